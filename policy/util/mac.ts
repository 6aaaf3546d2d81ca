/**
 * MAC addresses arrive as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff
 * depending on the vendor. Kenneki stores one canonical form: lowercase, colon-separated. The
 * RADIUS codec (gateway/radius/codec/mac.ts) formats it back per NAS profile.
 */

/** The known spellings by length; mixed separators or group sizes are not a MAC. */
const SHAPES: Readonly<Record<number, readonly RegExp[]>> = {
  17: [/^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i, /^([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})$/i],
  14: [/^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i],
  12: [/^([0-9a-f]{12})$/i],
};

/**
 * `aa:bb:cc:dd:ee:ff`, or undefined for anything that is not one MAC in a known spelling. Strict:
 * no surrounding spaces either, since a MAC off the wire with extra bytes is not that MAC. Runs on
 * every MAB request, hence the length dispatch and no intermediate arrays.
 */
export function normalizeMac(input: string): string | undefined {
  for (const re of SHAPES[input.length] ?? []) {
    const m = re.exec(input);
    if (!m) continue;
    const h = m.slice(1).join('').toLowerCase();
    return `${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`;
  }
  return undefined;
}

/**
 * MAC addresses arrive as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff
 * depending on the vendor. Kenneki stores one canonical form: lowercase, colon-separated. The
 * RADIUS codec (gateway/radius/codec/mac.ts) formats it back per NAS profile.
 */

/** One of the known spellings; mixed separators or group sizes are not a MAC. */
const SHAPES = [
  /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i,
  /^([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})$/i,
  /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i,
  /^([0-9a-f]{12})$/i,
];

/**
 * `aa:bb:cc:dd:ee:ff`, or undefined for anything that is not one MAC in a known spelling. Strict:
 * no surrounding spaces either, since a MAC off the wire with extra bytes is not that MAC.
 */
export function normalizeMac(input: string): string | undefined {
  for (const re of SHAPES) {
    const m = re.exec(input);
    if (m) return m.slice(1).join('').toLowerCase().match(/../g)!.join(':');
  }
  return undefined;
}

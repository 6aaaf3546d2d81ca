/**
 * MAC addresses arrive as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff
 * depending on the vendor. Kenneki stores one canonical form: lowercase, colon-separated. The
 * RADIUS codec (gateway/radius/codec/mac.ts) formats it back per NAS profile.
 */

/** Separator positions of each known spelling, by length; mixed separators are not a MAC. */
const SHAPES: Readonly<Record<number, { at: readonly number[]; separators: string }>> = {
  17: { at: [2, 5, 8, 11, 14], separators: ':-' },
  14: { at: [4, 9], separators: '.' },
  12: { at: [], separators: '' },
};

/** The lowercase pair for every byte: the canonical form is built from these, not from slices. */
const PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The value of a hex digit's char code, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * `aa:bb:cc:dd:ee:ff`, or undefined for anything that is not one MAC in a known spelling. Strict:
 * no surrounding spaces either, since a MAC off the wire with extra bytes is not that MAC. Runs on
 * every MAB request (up to three times), so it reads char codes instead of running a regular
 * expression and joining its groups; an input already in the canonical form is returned as it is.
 */
export function normalizeMac(input: string): string | undefined {
  const shape = SHAPES[input.length];
  if (shape === undefined) return undefined;
  const sep = shape.at.length > 0 ? input.charCodeAt(shape.at[0]!) : -1;
  if (sep !== -1 && !shape.separators.includes(String.fromCharCode(sep))) return undefined;
  let canonical = input.length === 17 && sep === 58; // ':'
  let out = '';
  let next = 0;
  let hi = -1;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (i === shape.at[next]) {
      if (c !== sep) return undefined;
      next++;
      continue;
    }
    const v = nibble(c);
    if (v < 0) return undefined;
    if (c >= 65 && c <= 70) canonical = false;
    if (hi < 0) {
      hi = v;
      continue;
    }
    out = out === '' ? PAIRS[(hi << 4) | v]! : `${out}:${PAIRS[(hi << 4) | v]!}`;
    hi = -1;
  }
  return canonical ? input : out;
}

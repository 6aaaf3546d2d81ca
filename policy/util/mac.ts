/**
 * MAC addresses arrive as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff
 * depending on the vendor. Kenneki stores one canonical form: lowercase, colon-separated.
 */
export function normalizeMac(input: string): string | undefined {
  const hex = input.trim().toLowerCase().replace(/[:.\-\s]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

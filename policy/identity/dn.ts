/**
 * The little DN handling the connector needs: a group's name from its DN (memberOf values are
 * DNs), and DN comparison. Values follow RFC 4514: `\,` and `\2C` both escape a comma.
 */

/** The value of a DN's first RDN (`cn=Dev\, Ops,ou=g,...` → `Dev, Ops`); undefined when malformed. */
export function firstRdnValue(dn: string): string | undefined {
  const eq = dn.indexOf('=');
  if (eq <= 0) return undefined;
  const bytes: number[] = [];
  const out = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  for (let i = eq + 1; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === ',' || c === '+') break;
    if (c !== '\\') {
      out(c);
      continue;
    }
    const hex = dn.slice(i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      // A hex pair is one byte of UTF-8: multi-byte characters arrive as several pairs.
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (i + 1 < dn.length) {
      out(dn[i + 1]!);
      i += 1;
    } else {
      return undefined;
    }
  }
  const value = Buffer.from(bytes).toString('utf8').trim();
  return value === '' ? undefined : value;
}

/** DNs as directories compare them for our purposes: case-insensitive, spaces after commas ignored. */
export function normalizeDn(dn: string): string {
  return dn.replace(/,\s+/g, ',').toLowerCase();
}

/**
 * The little DN handling the connector needs: a group's name from its DN (memberOf values are
 * DNs), and DN comparison. Values follow RFC 4514: `\,` and `\2C` both escape a comma, and a
 * space is part of the value only when escaped at either end.
 */

interface Piece {
  bytes: number[];
  /** An unescaped space: dropped at either end of a value. */
  bareSpace: boolean;
}

/** The value of a DN's first RDN (`cn=Dev\, Ops,ou=g,...` → `Dev, Ops`); undefined when malformed. */
export function firstRdnValue(dn: string): string | undefined {
  const eq = dn.indexOf('=');
  if (eq <= 0) return undefined;
  const pieces: Piece[] = [];
  // By code point, not UTF-16 unit: a character outside the BMP is one piece, not two halves.
  const chars = [...dn.slice(eq + 1)];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === ',' || c === '+') break;
    if (c !== '\\') {
      pieces.push({ bytes: [...Buffer.from(c, 'utf8')], bareSpace: c === ' ' });
      continue;
    }
    const hex = (chars[i + 1] ?? '') + (chars[i + 2] ?? '');
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      // A hex pair is one byte of UTF-8: multi-byte characters arrive as several pairs.
      pieces.push({ bytes: [parseInt(hex, 16)], bareSpace: false });
      i += 2;
    } else if (i + 1 < chars.length) {
      pieces.push({ bytes: [...Buffer.from(chars[i + 1]!, 'utf8')], bareSpace: false });
      i += 1;
    } else {
      return undefined;
    }
  }
  let start = 0;
  let end = pieces.length;
  while (start < end && pieces[start]!.bareSpace) start++;
  while (end > start && pieces[end - 1]!.bareSpace) end--;
  const value = Buffer.from(pieces.slice(start, end).flatMap((p) => p.bytes)).toString('utf8');
  return value === '' ? undefined : value;
}

/**
 * DNs as directories compare them for our purposes: case-insensitive, with the spaces around
 * separating commas ignored. An escaped comma (`\,`) is part of a value and keeps its spaces.
 */
export function normalizeDn(dn: string): string {
  let out = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      out += c + dn[i + 1]!;
      i++;
    } else if (c === ',') {
      out = out.replace(/[ \t]+$/, '') + ',';
      while (dn[i + 1] === ' ' || dn[i + 1] === '\t') i++;
    } else {
      out += c;
    }
  }
  return out.toLowerCase();
}

/**
 * Windows security identifiers in their binary form (MS-DTYP 2.4.2.2), for AD's primary group:
 * the group's SID is the account's domain SID with the group's RID as the last sub-authority.
 */

/** `S-1-5-21-…` text form, for logs; undefined when the bytes are not a SID. */
export function sidToString(sid: Buffer): string | undefined {
  if (sid.length < 8) return undefined;
  const count = sid[1]!;
  if (sid[0] !== 1 || sid.length !== 8 + 4 * count) return undefined;
  const authority = sid.readUIntBE(2, 6);
  const subs = Array.from({ length: count }, (_, i) => sid.readUInt32LE(8 + 4 * i));
  return `S-1-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

/** The SID of `rid` in the domain of the account `accountSid`; undefined when not a domain account SID. */
export function siblingSid(accountSid: Buffer, rid: number): Buffer | undefined {
  if (sidToString(accountSid) === undefined || accountSid[1]! < 2) return undefined;
  const out = Buffer.from(accountSid);
  out.writeUInt32LE(rid >>> 0, out.length - 4);
  return out;
}

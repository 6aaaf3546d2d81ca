/**
 * The client's leaf certificate as it crossed the wire in a TLS 1.2 handshake.
 *
 * Why: asking Node for the peer certificate copies it and, under OpenSSL 3, decodes its public key
 * again (~150 µs a handshake, 6 % of an EAP-TLS authentication). The peer's Certificate message
 * travels in cleartext before its ChangeCipherSpec, in the very records we hand to OpenSSL, so
 * the DER can be read from those. It is used only to look up facts remembered by fingerprint; trust
 * is still OpenSSL's verdict on the same bytes.
 *
 * To stay in step with what OpenSSL accepted, the reader refuses (returns undefined, and the caller
 * asks Node instead) anything it does not understand exactly: a truncated or oversized record, a
 * truncated handshake message, a Certificate message whose lengths do not add up.
 */

const RECORD_CHANGE_CIPHER_SPEC = 20;
const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CERTIFICATE = 11;
/** RFC 5246 §6.2.1: a plaintext fragment is at most 2^14 bytes. */
const MAX_PLAINTEXT = 1 << 14;

export type LeafScan = { kind: 'none' } | { kind: 'leaf'; der: Buffer } | { kind: 'unreadable' };

/**
 * Scans one flight from the peer (whole TLS records) for a Certificate handshake message. Only
 * the records before a ChangeCipherSpec are read: everything after it is encrypted.
 */
export function scanLeafCertificate(flight: Buffer): LeafScan {
  const parts: Buffer[] = [];
  let o = 0;
  while (o < flight.length) {
    if (o + 5 > flight.length) return { kind: 'unreadable' };
    const type = flight[o]!;
    const length = flight.readUInt16BE(o + 3);
    if (length > MAX_PLAINTEXT || o + 5 + length > flight.length) return { kind: 'unreadable' };
    if (type === RECORD_CHANGE_CIPHER_SPEC) break;
    if (type === RECORD_HANDSHAKE) parts.push(flight.subarray(o + 5, o + 5 + length));
    o += 5 + length;
  }
  const handshake = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  let found: Buffer | undefined;
  let p = 0;
  while (p < handshake.length) {
    if (p + 4 > handshake.length) return { kind: 'unreadable' };
    const type = handshake[p]!;
    const length = handshake.readUIntBE(p + 1, 3);
    if (p + 4 + length > handshake.length) return { kind: 'unreadable' };
    if (type === HANDSHAKE_CERTIFICATE) {
      // A second Certificate message is a protocol error OpenSSL refuses; do not guess which counts.
      if (found !== undefined) return { kind: 'unreadable' };
      const leaf = firstCertificate(handshake.subarray(p + 4, p + 4 + length));
      if (leaf === 'unreadable') return { kind: 'unreadable' };
      if (leaf === undefined) return { kind: 'none' };
      found = leaf;
    }
    p += 4 + length;
  }
  return found ? { kind: 'leaf', der: found } : { kind: 'none' };
}

/** RFC 5246 §7.4.2: certificate_list<0..2^24-1>, each ASN.1Cert<1..2^24-1>; the sender's first. */
function firstCertificate(body: Buffer): Buffer | undefined | 'unreadable' {
  if (body.length < 3) return 'unreadable';
  const listLength = body.readUIntBE(0, 3);
  if (listLength + 3 !== body.length) return 'unreadable';
  if (listLength === 0) return undefined;
  if (listLength < 3) return 'unreadable';
  const certLength = body.readUIntBE(3, 3);
  if (certLength === 0 || 6 + certLength > body.length) return 'unreadable';
  return body.subarray(6, 6 + certLength);
}

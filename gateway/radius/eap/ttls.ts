/**
 * EAP-TTLS phase 2 with PAP (RFC 5281 §11.2.5): the peer sends User-Name and User-Password as
 * Diameter AVPs inside the tunnel, right after the handshake; the password is checked through
 * the credentials (a directory bind or a local user), never logged.
 */
import type { MethodContext } from './method.js';
import type { Tunnel, TunnelStep } from './tls-method.js';

export const AVP = { USER_NAME: 1, USER_PASSWORD: 2 } as const;
const FLAG_VENDOR = 0x80;
const HEADER = 8;

export interface Avp {
  code: number;
  flags: number;
  vendorId?: number;
  data: Buffer;
}

/** Parses Diameter AVPs (RFC 5281 §10.1); undefined when the bytes are not a clean AVP list. */
export function parseAvps(bytes: Buffer, max = 64): Avp[] | undefined {
  const out: Avp[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (out.length >= max || bytes.length - at < HEADER) return undefined;
    const code = bytes.readUInt32BE(at);
    const flags = bytes[at + 4]!;
    const length = bytes.readUIntBE(at + 5, 3);
    const head = flags & FLAG_VENDOR ? HEADER + 4 : HEADER;
    if (length < head || at + length > bytes.length) return undefined;
    const vendorId = flags & FLAG_VENDOR ? bytes.readUInt32BE(at + HEADER) : undefined;
    out.push({ code, flags, ...(vendorId !== undefined ? { vendorId } : {}), data: bytes.subarray(at + head, at + length) });
    // AVPs are padded to a multiple of four; the padding is not counted in the length.
    at += (length + 3) & ~3;
  }
  return out;
}

export function encodeAvp(code: number, data: Buffer, mandatory = true): Buffer {
  const length = HEADER + data.length;
  const out = Buffer.alloc((length + 3) & ~3);
  out.writeUInt32BE(code, 0);
  out[4] = mandatory ? 0x40 : 0;
  out.writeUIntBE(length, 5, 3);
  data.copy(out, HEADER);
  return out;
}

export class TtlsPapTunnel implements Tunnel {
  private done = false;

  constructor(private readonly ctx: MethodContext) {}

  async opened(): Promise<TunnelStep> {
    // TTLS/PAP peers speak first; an ACK instead means the peer has no phase 2 to offer.
    return { kind: 'failure', reason: 'TTLS: the peer sent no phase-2 credentials' };
  }

  async data(clear: Buffer): Promise<TunnelStep> {
    if (this.done) return { kind: 'failure', reason: 'TTLS: data after phase 2' };
    this.done = true;
    const avps = parseAvps(clear);
    if (!avps) return { kind: 'failure', reason: 'TTLS: malformed AVPs' };
    const plain = (code: number) => avps.find((a) => a.code === code && a.vendorId === undefined)?.data;
    const name = plain(AVP.USER_NAME);
    const padded = plain(AVP.USER_PASSWORD);
    if (!name || !padded) return { kind: 'failure', reason: 'TTLS: phase 2 is not PAP (no User-Name and User-Password)' };
    // RFC 5281 §11.2.5: the password is padded with NULs to a multiple of 16 bytes.
    let end = padded.length;
    while (end > 0 && padded[end - 1] === 0) end--;
    const user = decodeUtf8(name);
    const password = decodeUtf8(padded.subarray(0, end));
    if (user === undefined || password === undefined || user.length === 0) return { kind: 'failure', reason: 'TTLS: user name or password is not UTF-8' };
    const r = await this.ctx.credentials.checkPassword(this.ctx.tenantId, user, password);
    if (r === 'ok') return { kind: 'success', identity: user };
    if (r === 'held') return { kind: 'success', identity: user, held: true };
    return { kind: 'failure', reason: r === 'invalid' ? 'TTLS/PAP: wrong user name or password' : 'TTLS/PAP: the password check is unavailable' };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
export function decodeUtf8(b: Uint8Array): string | undefined {
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
}

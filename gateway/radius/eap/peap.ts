/**
 * PEAPv0 phase 2: EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2, RFC 2759) inside the tunnel,
 * then the EAP-TLV Result (the "Extensions" method, type 33) that tells the peer to accept the
 * outer EAP-Success.
 *
 * PEAPv0 compresses inner packets: every inner EAP packet travels without its 4-byte header
 * (code, identifier, length) except EAP-TLV, which keeps it. wpa_supplicant rebuilds the header
 * from the outer request and strips it from its own responses the same way.
 */
import { randomBytes } from 'node:crypto';
import { EAP_CODE, EAP_TYPE } from '../codec/eap.js';
import type { MethodContext } from './method.js';
import { authenticatorResponse, stripDomain, verifyNtResponse } from './mschapv2.js';
import type { Tunnel, TunnelStep } from './tls-method.js';
import { decodeUtf8 } from './ttls.js';

const TLV_TYPE = 33;
const TLV_RESULT = 3;
const TLV_MANDATORY = 0x8000;
const RESULT = { SUCCESS: 1, FAILURE: 2 } as const;
const OP = { CHALLENGE: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4 } as const;
const RESPONSE_VALUE_SIZE = 49;
const SERVER_NAME = Buffer.from('kenneki', 'ascii');

type Phase = 'idle' | 'identity' | 'challenge' | 'success-sent' | 'failure-sent' | 'result-sent' | 'done';

export class PeapMschapv2Tunnel implements Tunnel {
  private phase: Phase = 'idle';
  private user = '';
  /** The MS-CHAPv2-ID of our Challenge; the Response echoes it and Success/Failure repeat it (as hostapd does). */
  private readonly msId = randomBytes(1)[0]!;
  private challenge = Buffer.alloc(0);
  private tlvId = randomBytes(1)[0]!;
  private failureReason = 'PEAP: MS-CHAPv2 failed';

  constructor(private readonly ctx: MethodContext) {}

  async opened(): Promise<TunnelStep> {
    if (this.phase !== 'idle') return fail('PEAP: unexpected ACK inside the tunnel');
    this.phase = 'identity';
    return send(Buffer.from([EAP_TYPE.IDENTITY]));
  }

  async data(clear: Buffer): Promise<TunnelStep> {
    const inner = decompress(clear);
    if (!inner) return fail('PEAP: malformed inner packet');
    switch (this.phase) {
      case 'identity': {
        if (inner.type !== EAP_TYPE.IDENTITY) return fail(`PEAP: expected the inner identity, got type ${inner.type}`);
        const id = decodeUtf8(inner.data);
        if (id === undefined || id.length === 0 || id.length > 253) return fail('PEAP: bad inner identity');
        this.user = stripDomain(id);
        this.phase = 'challenge';
        this.challenge = randomBytes(16);
        return send(mschapv2(OP.CHALLENGE, this.msId, Buffer.concat([Buffer.from([16]), this.challenge, SERVER_NAME])));
      }
      case 'challenge':
        return this.response(inner);
      case 'success-sent': {
        if (inner.type !== EAP_TYPE.MSCHAPV2 || inner.data[0] !== OP.SUCCESS) return fail('PEAP: expected the MS-CHAPv2 Success acknowledgement');
        this.phase = 'result-sent';
        this.tlvId = (this.tlvId + 1) & 0xff;
        return send(resultTlv(this.tlvId, RESULT.SUCCESS));
      }
      case 'failure-sent':
        this.phase = 'done';
        return fail(this.failureReason);
      case 'result-sent': {
        this.phase = 'done';
        if (inner.type !== TLV_TYPE) return fail('PEAP: expected the EAP-TLV Result');
        return resultOf(inner.data) === RESULT.SUCCESS ? { kind: 'success', identity: this.user } : fail('PEAP: the peer did not confirm the result');
      }
      default:
        return fail('PEAP: unexpected inner data');
    }
  }

  private async response(inner: { type: number; data: Buffer }): Promise<TunnelStep> {
    if (inner.type !== EAP_TYPE.MSCHAPV2) return fail(`PEAP: the peer declined MS-CHAPv2 (inner type ${inner.type})`);
    const d = inner.data;
    if (d.length < 5 + RESPONSE_VALUE_SIZE || d[0] !== OP.RESPONSE || d[1] !== this.msId || d[4] !== RESPONSE_VALUE_SIZE) return fail('PEAP: malformed MS-CHAPv2 response');
    const value = d.subarray(5, 5 + RESPONSE_VALUE_SIZE);
    const peerChallenge = value.subarray(0, 16);
    const nt = value.subarray(24, 48);
    const name = decodeUtf8(d.subarray(5 + RESPONSE_VALUE_SIZE)) ?? '';
    const hash = await this.ctx.credentials.ntHash(this.ctx.tenantId, this.user);
    if (hash && hash.length === 16 && verifyNtResponse(this.challenge, peerChallenge, name, hash, nt)) {
      this.phase = 'success-sent';
      const s = authenticatorResponse(hash, nt, peerChallenge, this.challenge, name);
      return send(mschapv2(OP.SUCCESS, this.msId, Buffer.from(`${s} M=OK`, 'ascii')));
    }
    // The same answer for an unknown user and a wrong password: no user enumeration.
    this.failureReason = hash ? 'PEAP/MS-CHAPv2: wrong password' : 'PEAP/MS-CHAPv2: unknown user';
    this.phase = 'failure-sent';
    const msg = `E=691 R=0 C=${randomBytes(16).toString('hex').toUpperCase()} V=3 M=Authentication failed`;
    return send(mschapv2(OP.FAILURE, this.msId, Buffer.from(msg, 'ascii')));
  }
}

const send = (data: Buffer): TunnelStep => ({ kind: 'send', data });
const fail = (reason: string): TunnelStep => ({ kind: 'failure', reason });

/** A compressed inner packet: the type, then OpCode, MS-CHAPv2-ID, MS-Length (from OpCode on), data. */
function mschapv2(op: number, id: number, rest: Buffer): Buffer {
  const msLength = 4 + rest.length;
  const out = Buffer.alloc(1 + msLength);
  out[0] = EAP_TYPE.MSCHAPV2;
  out[1] = op;
  out[2] = id;
  out.writeUInt16BE(msLength, 3);
  rest.copy(out, 5);
  return out;
}

/** A whole EAP-Request of type TLV carrying one mandatory Result TLV. */
function resultTlv(id: number, status: number): Buffer {
  const out = Buffer.alloc(11);
  out[0] = EAP_CODE.REQUEST;
  out[1] = id;
  out.writeUInt16BE(11, 2);
  out[4] = TLV_TYPE;
  out.writeUInt16BE(TLV_MANDATORY | TLV_RESULT, 5);
  out.writeUInt16BE(2, 7);
  out.writeUInt16BE(status, 9);
  return out;
}

/** The inner packet's type and data, whether it came compressed or (TLV) with its header. */
export function decompress(clear: Buffer): { type: number; data: Buffer } | undefined {
  if (clear.length >= 5 && clear[0] === EAP_CODE.RESPONSE && clear.readUInt16BE(2) === clear.length && clear[4] === TLV_TYPE) {
    return { type: TLV_TYPE, data: clear.subarray(5) };
  }
  if (clear.length < 1) return undefined;
  return { type: clear[0]!, data: clear.subarray(1) };
}

/** The status of the Result TLV among the TLVs, if there is exactly a well-formed one. */
export function resultOf(tlvs: Buffer): number | undefined {
  let at = 0;
  let result: number | undefined;
  while (at + 4 <= tlvs.length) {
    const type = tlvs.readUInt16BE(at) & 0x3fff;
    const len = tlvs.readUInt16BE(at + 2);
    if (at + 4 + len > tlvs.length) return undefined;
    if (type === TLV_RESULT && len === 2) result = tlvs.readUInt16BE(at + 4);
    at += 4 + len;
  }
  return at === tlvs.length ? result : undefined;
}

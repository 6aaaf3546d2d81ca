/**
 * EAP-MD5 (RFC 3748 §5.4), for labs only: no mutual authentication, no keys, and the challenge
 * and response give an offline dictionary attack to anyone on the wire. Offered only when
 * 'md5' is in radius.eap.methods.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EAP_TYPE } from '../codec/eap.js';
import type { EapMethod, MethodContext, MethodStep } from './method.js';

const VALUE_SIZE = 16;

export class Md5Method implements EapMethod {
  readonly type = EAP_TYPE.MD5_CHALLENGE;
  readonly name = 'md5' as const;
  private challenge = Buffer.alloc(0);
  private requestId = -1;

  constructor(private readonly ctx: MethodContext) {}

  start(id: number): MethodStep {
    this.challenge = randomBytes(VALUE_SIZE);
    this.requestId = id;
    return { kind: 'request', data: Buffer.concat([Buffer.from([VALUE_SIZE]), this.challenge, Buffer.from('kenneki', 'ascii')]) };
  }

  async handle(typeData: Buffer): Promise<MethodStep> {
    if (typeData.length < 1 + VALUE_SIZE || typeData[0] !== VALUE_SIZE) return { kind: 'failure', reason: 'malformed EAP-MD5 response' };
    const value = typeData.subarray(1, 1 + VALUE_SIZE);
    const password = await this.ctx.credentials.labPassword(this.ctx.tenantId, this.ctx.identity);
    // Compute even for an unknown user, so timing does not tell which users exist.
    const expected = createHash('md5')
      .update(Buffer.from([this.requestId]))
      .update(Buffer.from(password ?? '', 'utf8'))
      .update(this.challenge)
      .digest();
    if (password === undefined) return { kind: 'failure', reason: 'EAP-MD5: unknown user' };
    if (!timingSafeEqual(expected, value)) return { kind: 'failure', reason: 'EAP-MD5: wrong password' };
    return { kind: 'success', identity: this.ctx.identity };
  }

  close(): void {}
}

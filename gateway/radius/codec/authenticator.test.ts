import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { integerAttribute, textAttribute } from './attributes.js';
import {
  MESSAGE_AUTHENTICATOR, encodeRequest, encodeResponse, verifyMessageAuthenticator, verifyRequestAuthenticator, verifyResponseAuthenticator,
} from './authenticator.js';
import { attr } from './dictionary.js';
import { RADIUS_CODE, decodePacket, type RadiusCode } from './packet.js';
import { RFC2865_7_1, attributeArb, authenticatorArb, secretArb, toHex } from './test-vectors.js';

const md5 = (...p: (Uint8Array | string)[]) => p.reduce((h, x) => h.update(x), createHash('md5')).digest();

describe('Response Authenticator (RFC 2865 §3)', () => {
  it('verifies the RFC 2865 §7.1 Access-Accept', () => {
    expect(verifyResponseAuthenticator(RFC2865_7_1.accept, RFC2865_7_1.requestAuthenticator, RFC2865_7_1.secret)).toBe(true);
    expect(verifyResponseAuthenticator(RFC2865_7_1.accept, RFC2865_7_1.requestAuthenticator, 'xyzzy5462')).toBe(false);
    expect(verifyResponseAuthenticator(RFC2865_7_1.accept, new Uint8Array(16), RFC2865_7_1.secret)).toBe(false);
  });

  it('re-creates the RFC 2865 §7.1 Access-Accept byte for byte (without Message-Authenticator)', () => {
    const p = decodePacket(RFC2865_7_1.accept);
    const out = encodeResponse({ code: p.code, identifier: p.identifier, attributes: p.attributes }, RFC2865_7_1.requestAuthenticator, RFC2865_7_1.secret, { messageAuthenticator: false });
    expect(toHex(out)).toBe(toHex(RFC2865_7_1.accept));
  });

  it('a request is never taken for a response', () => {
    expect(verifyResponseAuthenticator(RFC2865_7_1.request, RFC2865_7_1.requestAuthenticator, RFC2865_7_1.secret)).toBe(false);
  });
});

describe('Message-Authenticator (RFC 3579 §3.2, RFC 5176 §3.4)', () => {
  const req = { auth: Buffer.from('00112233445566778899aabbccddeeff', 'hex'), secret: 's3cret' };

  it('responses carry it first, over the request authenticator, and then the Response Authenticator covers it', () => {
    const out = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: 9, attributes: [textAttribute(18, 'hi'), { type: MESSAGE_AUTHENTICATOR, value: new Uint8Array(16) }] }, req.auth, req.secret);
    const p = decodePacket(out);
    expect(p.attributes.map((a) => a.type)).toEqual([MESSAGE_AUTHENTICATOR, 18]);
    const zeroed = Buffer.from(out);
    zeroed.set(req.auth, 4);
    zeroed.fill(0, 22, 38);
    expect(toHex(p.attributes[0]!.value)).toBe(toHex(createHmac('md5', req.secret).update(zeroed).digest()));
    expect(verifyMessageAuthenticator(out, req.secret, req.auth)).toBe(true);
    expect(verifyResponseAuthenticator(out, req.auth, req.secret)).toBe(true);
    // Without the request's authenticator a response cannot verify.
    expect(verifyMessageAuthenticator(out, req.secret)).toBe(false);
  });

  it('Access-Request: HMAC over the packet with its random authenticator', () => {
    const out = encodeRequest({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: 1, attributes: [textAttribute(1, 'nemo')] }, req.secret, { authenticator: req.auth });
    expect(toHex(out.subarray(4, 20))).toBe(toHex(req.auth));
    expect(out[20]).toBe(MESSAGE_AUTHENTICATOR);
    expect(verifyMessageAuthenticator(out, req.secret)).toBe(true);
    expect(verifyMessageAuthenticator(out, 'other')).toBe(false);
  });

  test.each<[string, RadiusCode]>([
    ['CoA-Request', RADIUS_CODE.COA_REQUEST],
    ['Disconnect-Request', RADIUS_CODE.DISCONNECT_REQUEST],
    ['Accounting-Request', RADIUS_CODE.ACCOUNTING_REQUEST],
  ])('%s: HMAC over the zeroed authenticator first, then MD5 over the packet holding it', (_n, code) => {
    const out = encodeRequest({ code, identifier: 3, attributes: [textAttribute(1, 'aa:bb:cc:dd:ee:ff'), integerAttribute(6, 10)] }, req.secret);
    const zeroed = Buffer.from(out);
    zeroed.fill(0, 4, 20);
    const withMaZeroed = Buffer.from(zeroed);
    withMaZeroed.fill(0, 22, 38);
    expect(toHex(out.subarray(22, 38))).toBe(toHex(createHmac('md5', req.secret).update(withMaZeroed).digest()));
    expect(toHex(out.subarray(4, 20))).toBe(toHex(md5(zeroed, req.secret)));
    expect(verifyRequestAuthenticator(out, req.secret)).toBe(true);
    expect(verifyMessageAuthenticator(out, req.secret)).toBe(true);
    expect(verifyRequestAuthenticator(out, 'other')).toBe(false);
  });

  test.each([
    ['absent', [] as number[]],
    ['twice', [80, 80]],
  ])('%s → false', (_n, types) => {
    const out = encodeRequest({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: 1, attributes: [] }, req.secret, { messageAuthenticator: false });
    const attrs = types.map((t) => ({ type: t, value: new Uint8Array(16) }));
    const raw = Buffer.concat([out.subarray(0, 20), ...attrs.map((a) => Buffer.concat([Uint8Array.of(a.type, 18), a.value]))]);
    raw.writeUInt16BE(raw.length, 2);
    expect(verifyMessageAuthenticator(raw, req.secret)).toBe(false);
  });

  it('a Message-Authenticator of the wrong length never verifies', () => {
    const raw = Buffer.concat([Buffer.from('01010016' + '00'.repeat(16), 'hex'), Uint8Array.of(80, 2)]);
    expect(verifyMessageAuthenticator(raw, 's')).toBe(false);
  });

  it('garbage never verifies and never throws', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      expect(verifyMessageAuthenticator(b, 's', new Uint8Array(16))).toBe(false);
      expect(verifyRequestAuthenticator(b, 's')).toBe(false);
      expect(verifyResponseAuthenticator(b, new Uint8Array(16), 's')).toBe(false);
    }));
  });

  const codeArb = fc.constantFrom<RadiusCode>(RADIUS_CODE.ACCESS_REQUEST, RADIUS_CODE.STATUS_SERVER, RADIUS_CODE.COA_REQUEST, RADIUS_CODE.DISCONNECT_REQUEST, RADIUS_CODE.ACCOUNTING_REQUEST, RADIUS_CODE.ACCESS_ACCEPT, RADIUS_CODE.ACCESS_REJECT, RADIUS_CODE.ACCESS_CHALLENGE, RADIUS_CODE.COA_ACK, RADIUS_CODE.DISCONNECT_NAK);
  const signed = fc.record({
    code: codeArb,
    id: fc.integer({ min: 0, max: 255 }),
    attributes: fc.array(attributeArb.filter((a) => a.type !== MESSAGE_AUTHENTICATOR), { maxLength: 6 }),
    secret: secretArb,
    auth: authenticatorArb,
  }).map(({ code, id, attributes, secret, auth }) => {
    const p = { code, identifier: id, attributes };
    const wire = [2, 3, 11, 41, 42, 44, 45].includes(code) ? encodeResponse(p, auth, secret) : encodeRequest(p, secret, { authenticator: auth });
    return { wire, secret, auth };
  });

  /** What a receiver checks: the HMAC, plus the MD5 authenticator where the packet has one. */
  const verifies = (wire: Buffer, secret: Uint8Array, auth: Uint8Array): boolean => {
    const code = wire[0]!;
    if (!verifyMessageAuthenticator(wire, secret, auth)) return false;
    if ([2, 3, 11, 41, 42, 44, 45].includes(code)) return verifyResponseAuthenticator(wire, auth, secret);
    if ([4, 40, 43].includes(code)) return verifyRequestAuthenticator(wire, secret);
    return true;
  };

  it('every signed packet verifies; a flipped bit anywhere makes verification fail', () => {
    fc.assert(fc.property(signed, fc.nat(), fc.integer({ min: 0, max: 7 }), ({ wire, secret, auth }, at, bit) => {
      expect(verifies(wire, secret, auth)).toBe(true);
      const bad = Buffer.from(wire);
      const i = at % bad.length;
      bad[i]! ^= 1 << bit;
      expect(verifies(bad, secret, auth)).toBe(false);
      // Outside the authenticator field the HMAC alone catches it. Inside, responses and
      // CoA/Disconnect/Accounting leave the field out of the HMAC (it holds the request's, or
      // zeros) and the MD5 authenticator catches it instead.
      if (i < 4 || i >= 20 || [1, 12].includes(wire[0]!)) expect(verifyMessageAuthenticator(bad, secret, auth)).toBe(false);
    }), { numRuns: 1000 });
  });

  it('a different secret never verifies', () => {
    fc.assert(fc.property(signed, secretArb, ({ wire, secret, auth }, other) => {
      fc.pre(Buffer.compare(Buffer.from(secret), Buffer.from(other)) !== 0);
      expect(verifyMessageAuthenticator(wire, other, auth)).toBe(false);
    }), { numRuns: 200 });
  });
});

describe('encoder contracts', () => {
  it('requests and responses are not interchangeable', () => {
    expect(() => encodeResponse({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: 0, attributes: [] }, new Uint8Array(16), 's')).toThrow(RangeError);
    expect(() => encodeRequest({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: 0, attributes: [] }, 's')).toThrow(RangeError);
  });

  it('User-Name as a typed attribute survives signing', () => {
    const out = encodeRequest({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: 0, attributes: [textAttribute(attr('User-Name'), 'nemo')] }, 's');
    expect(decodePacket(out).attributes[1]).toEqual({ type: 1, value: Buffer.from('nemo') });
  });
});

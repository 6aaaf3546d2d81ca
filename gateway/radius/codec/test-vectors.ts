/**
 * Shared fixtures for the RADIUS codec tests: hex with spaces, the RFC 2865 §7.1 exchange, and
 * fast-check arbitraries for packets.
 */
import fc from 'fast-check';
import { RADIUS_CODE, type RadiusAttribute, type RadiusCode, type RadiusPacket } from './packet.js';

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** RFC 2865 §7.1 "User Telnet to Specified Host": user nemo, password arctangent, secret xyzzy5461. */
export const RFC2865_7_1 = {
  secret: 'xyzzy5461',
  requestAuthenticator: hex('0f403f9473978057bd83d5cb98f4227a'),
  hiddenPassword: hex('0dbe708d93d413ce3196e43f782a0aee'),
  request: hex(`01 00 0038 0f403f9473978057bd83d5cb98f4227a
    01 06 6e656d6f
    02 12 0dbe708d93d413ce3196e43f782a0aee
    04 06 c0a80110
    05 06 00000003`),
  /** Service-Type Login, Login-Service Telnet, Login-IP-Host 192.168.1.3. */
  accept: hex(`02 00 0026 86fe220e7624ba2a1005f6bf9b55e0b2
    06 06 00000001
    0f 06 00000000
    0e 06 c0a80103`),
};

export const codeArb: fc.Arbitrary<RadiusCode> = fc.constantFrom(...Object.values(RADIUS_CODE));

export const attributeArb: fc.Arbitrary<RadiusAttribute> = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  value: fc.uint8Array({ maxLength: 253 }),
});

/** Packets that fit in 4096 bytes: at most 15 attributes of at most 255 bytes, plus the header. */
export const packetArb: fc.Arbitrary<RadiusPacket> = fc.record({
  code: codeArb,
  identifier: fc.integer({ min: 0, max: 255 }),
  authenticator: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  attributes: fc.array(attributeArb, { maxLength: 15 }),
});

/** Comparable form: Buffers and Uint8Arrays as hex. */
export const norm = (p: RadiusPacket) => ({
  code: p.code,
  identifier: p.identifier,
  authenticator: toHex(p.authenticator),
  attributes: p.attributes.map((a) => ({ type: a.type, value: toHex(a.value) })),
});

export const secretArb = fc.uint8Array({ minLength: 1, maxLength: 64 });
export const authenticatorArb = fc.uint8Array({ minLength: 16, maxLength: 16 });

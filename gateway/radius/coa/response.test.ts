import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { RADIUS_CODE, attr, encodeRequest, encodeResponse, integerAttribute } from '../codec/index.js';
import { packetArb } from '../codec/test-vectors.js';
import { judge, peek, type InFlightRequest } from './response.js';
import { DYNAMIC_AUTH_DROP_REASONS } from './types.js';

const secret = Buffer.from('s3cret');
const request = encodeRequest({ code: RADIUS_CODE.COA_REQUEST, identifier: 9, attributes: [] }, secret);
const sent: InFlightRequest = { request: 'coa', authenticator: request.subarray(4, 20), secret };

function verdictOf(datagram: Uint8Array) {
  const p = peek(datagram);
  return p.kind === 'drop' ? p : judge(datagram, p.packet, sent);
}

describe('judging an answer', () => {
  test('a NAK with Error-Cause', () => {
    const nak = encodeResponse({ code: RADIUS_CODE.COA_NAK, identifier: 9, attributes: [integerAttribute(attr('Error-Cause'), 405)] }, sent.authenticator, secret);
    expect(verdictOf(nak)).toEqual({ kind: 'answer', result: 'nak', errorCause: 405, errorCauseName: 'Unsupported-Service' });
  });

  test('an unknown Error-Cause is reported by number; a malformed one is ignored', () => {
    const odd = encodeResponse({ code: RADIUS_CODE.COA_NAK, identifier: 9, attributes: [integerAttribute(attr('Error-Cause'), 999)] }, sent.authenticator, secret);
    expect(verdictOf(odd)).toEqual({ kind: 'answer', result: 'nak', errorCause: 999 });
    const bad = encodeResponse({ code: RADIUS_CODE.COA_ACK, identifier: 9, attributes: [{ type: 101, value: Buffer.from([1]) }] }, sent.authenticator, secret);
    expect(verdictOf(bad)).toEqual({ kind: 'answer', result: 'ack' });
  });

  test.each([
    ['a request', encodeRequest({ code: RADIUS_CODE.COA_REQUEST, identifier: 9, attributes: [] }, secret), 'unexpected-code'],
    ['an Access-Accept', encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: 9, attributes: [] }, sent.authenticator, secret), 'unexpected-code'],
    ['a Disconnect-ACK to a CoA', encodeResponse({ code: RADIUS_CODE.DISCONNECT_ACK, identifier: 9, attributes: [] }, sent.authenticator, secret), 'wrong-code'],
    ['the wrong secret', encodeResponse({ code: RADIUS_CODE.COA_ACK, identifier: 9, attributes: [] }, sent.authenticator, Buffer.from('other')), 'bad-authenticator'],
    ['garbage', Buffer.from('hello'), 'malformed'],
  ] as const)('%s is dropped as %s', (_, datagram, reason) => {
    expect(verdictOf(datagram)).toEqual({ kind: 'drop', reason });
  });

  test('property: any bytes give a verdict, never an exception, and never an answer without the secret', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), packetArb.map((p) => encodeResponseLike(p.code, p.attributes))), (bytes) => {
        const v = verdictOf(bytes);
        if (v.kind === 'drop') expect(DYNAMIC_AUTH_DROP_REASONS).toContain(v.reason);
        else throw new Error('an unsigned datagram was accepted');
      }),
      { numRuns: 2000 },
    );
  });
});

/** A packet with a response code and arbitrary attributes, signed with another secret. */
function encodeResponseLike(code: number, attributes: { type: number; value: Uint8Array }[]): Buffer {
  const responseCode = ([RADIUS_CODE.COA_ACK, RADIUS_CODE.COA_NAK, RADIUS_CODE.DISCONNECT_ACK] as const)[code % 3]!;
  try {
    return encodeResponse({ code: responseCode, identifier: 9, attributes }, sent.authenticator, Buffer.from('not-it'));
  } catch {
    return Buffer.alloc(0);
  }
}

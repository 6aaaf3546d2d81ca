import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PT_ERROR, WireError } from '../wire-error.js';
import {
  decodePbTncBatch, decodePtBody, decodePtError, decodeSaslAuthenticationData, decodeSaslMechanismSelection, decodeSaslMechanisms,
  decodeSaslResult, decodeVersionRequest, decodeVersionResponse, encodeSaslMechanisms, ptMessage, saslPlain, type PtBody,
} from './bodies.js';
import { decodePtMessage, encodePtMessage, PT_TYPE } from './message.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Uint8Array fields to hex, so Buffer/Uint8Array views compare by content. */
const norm = (o: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v instanceof Uint8Array ? hex(v) : v]));

const T = PT_TYPE;
const plainInitial = Buffer.from('\0user\0pass', 'latin1');

describe('known PT-TLS wire layouts (id 0)', () => {
  test.each<[string, PtBody, string]>([
    ['Version Request 1/1/1', { type: T.VERSION_REQUEST, min: 1, max: 1, pref: 1 }, '00000000 00000001 00000014 00000000 00010101'],
    ['Version Response 1', { type: T.VERSION_RESPONSE, version: 1 }, '00000000 00000002 00000014 00000000 00000001'],
    ['empty SASL Mechanisms', { type: T.SASL_MECHANISMS, names: [] }, '00000000 00000003 00000010 00000000'],
    ['SASL Mechanisms [PLAIN]', { type: T.SASL_MECHANISMS, names: ['PLAIN'] }, '00000000 00000003 00000016 00000000 05504c41494e'],
    ['Selection PLAIN + initial', { type: T.SASL_MECHANISM_SELECTION, name: 'PLAIN', initial: plainInitial },
      '00000000 00000004 00000020 00000000 05504c41494e 00757365720070617373'],
    ['SASL Result success', { type: T.SASL_RESULT, code: 0 }, '00000000 00000006 00000012 00000000 0000'],
    ['Error Malformed', { type: T.ERROR, vendor: 0, code: 1, original: Uint8Array.of(0xaa) }, '00000000 00000008 00000019 00000000 00000000 00000001 aa'],
  ])('%s', (_n, body, layout) => {
    const wire = layout.replace(/ /g, '');
    expect(hex(encodePtMessage(ptMessage(body, 0)))).toBe(wire);
    expect(norm(decodePtBody(decodePtMessage(Buffer.from(wire, 'hex'))))).toEqual(norm(body));
  });
});

const mal = expect.objectContaining({ layer: 'pt-tls', code: PT_ERROR.MALFORMED_MESSAGE });
const h = (s: string): Buffer => Buffer.from(s, 'hex');

describe('malformed bodies → Malformed Message', () => {
  test.each<[string, () => unknown]>([
    ['short version request', () => decodeVersionRequest(h('000101'))],
    ['long version request', () => decodeVersionRequest(h('0001010100'))],
    ['long version response', () => decodeVersionResponse(h('0000000100'))],
    ['zero-length mechanism name', () => decodeSaslMechanisms(h('00'))],
    ['truncated mechanism name', () => decodeSaslMechanisms(h('05504c41'))],
    ['lower-case mechanism name', () => decodeSaslMechanisms(h('05706c61696e'))],
    ['21-char mechanism name', () => decodeSaslMechanisms(Buffer.concat([h('15'), Buffer.alloc(21, 0x41)]))],
    ['empty selection', () => decodeSaslMechanismSelection(h(''))],
    ['1-byte SASL result', () => decodeSaslResult(h('00'))],
    ['SASL result code 4', () => decodeSaslResult(h('0004'))],
    ['short error', () => decodePtError(h('0000000000000001'.slice(0, 14)))],
  ])('%s', (_n, f) => expect(f).toThrow(mal));

  it('ignores reserved bits in the name length', () => {
    expect(decodeSaslMechanisms(h('e5504c41494e')).names).toEqual(['PLAIN']);
  });
  it('unknown vendor or Experimental → Type Not Supported', () => {
    expect(() => decodePtBody({ vendor: 0, type: T.EXPERIMENTAL, id: 0, body: new Uint8Array() })).toThrow(expect.objectContaining({ code: PT_ERROR.TYPE_NOT_SUPPORTED }));
    expect(() => decodePtBody({ vendor: 9, type: 1, id: 0, body: h('00010101') })).toThrow(expect.objectContaining({ code: PT_ERROR.TYPE_NOT_SUPPORTED }));
  });
  it('refuses to encode an invalid mechanism name', () => {
    expect(() => encodeSaslMechanisms({ names: ['plain'] })).toThrow(RangeError);
  });
});

describe('SASL PLAIN', () => {
  test.each([
    ['\0user\0pass', { authzid: '', user: 'user', password: 'pass' }],
    ['admin\0user\0p\u00e4ss', { authzid: 'admin', user: 'user', password: 'p\u00e4ss' }],
  ])('%j', (s, want) => expect(saslPlain(Buffer.from(s, 'utf8'))).toEqual(want));

  const sasl = expect.objectContaining({ layer: 'pt-tls', code: PT_ERROR.SASL_MECHANISM_ERROR });
  test.each([
    ['no NUL', Buffer.from('userpass')],
    ['one NUL', Buffer.from('\0userpass')],
    ['empty user', Buffer.from('\0\0pass')],
    ['empty password', Buffer.from('\0user\0')],
    ['NUL in password', Buffer.from('\0user\0pa\0ss')],
    ['256-byte user', Buffer.concat([Buffer.from('\0'), Buffer.alloc(256, 0x61), Buffer.from('\0p')])],
    ['256-byte password', Buffer.concat([Buffer.from('\0u\0'), Buffer.alloc(256, 0x61)])],
    ['256-byte authzid', Buffer.concat([Buffer.alloc(256, 0x61), Buffer.from('\0u\0p')])],
    ['invalid UTF-8', Buffer.from([0, 0xff, 0, 0x61])],
  ])('%s → SASL Mechanism Error', (_n, b) => expect(() => saslPlain(b)).toThrow(sasl));

  it('accepts 255-byte fields', () => {
    const f = 'a'.repeat(255);
    expect(saslPlain(Buffer.from(`${f}\0${f}\0${f}`))).toEqual({ authzid: f, user: f, password: f });
  });

  it('round-trips any NUL-free fields', () => {
    const field = (min: number) => fc.string({ unit: 'grapheme', minLength: min, maxLength: 20 }).filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= 255);
    fc.assert(fc.property(field(0), field(1), field(1), (authzid, user, password) => {
      expect(saslPlain(Buffer.from(`${authzid}\0${user}\0${password}`))).toEqual({ authzid, user, password });
    }));
  });

  it('arbitrary bytes parse or throw WireError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(63), { maxLength: 3 }), (b, nuls) => {
      for (const i of nuls) if (i < b.length) b[i] = 0;
      try {
        saslPlain(b);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
      }
    }), { numRuns: 2000 });
  });
});

const u8 = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
const bytes = (min = 0) => fc.uint8Array({ minLength: min, maxLength: 40 });
const mech = fc.stringMatching(/^[A-Z0-9_-]{1,20}$/);
const arbPtBody: fc.Arbitrary<PtBody> = fc.oneof(
  fc.record({ type: fc.constant(T.VERSION_REQUEST), min: u8(8), max: u8(8), pref: u8(8) }),
  fc.record({ type: fc.constant(T.VERSION_RESPONSE), version: u8(8) }),
  fc.record({ type: fc.constant(T.SASL_MECHANISMS), names: fc.array(mech, { maxLength: 5 }) }),
  // An empty initial response is indistinguishable from none on the wire, so generate 1+ bytes.
  fc.record({ type: fc.constant(T.SASL_MECHANISM_SELECTION), name: mech, initial: bytes(1) }, { requiredKeys: ['type', 'name'] }),
  fc.record({ type: fc.constant(T.SASL_AUTHENTICATION_DATA), data: bytes() }),
  fc.record({ type: fc.constant(T.SASL_RESULT), code: fc.integer({ min: 0, max: 3 }), data: bytes(1) }, { requiredKeys: ['type', 'code'] }),
  fc.record({ type: fc.constant(T.PB_TNC_BATCH), batch: bytes() }),
  fc.record({ type: fc.constant(T.ERROR), vendor: u8(24), code: fc.integer({ min: 0, max: 0xffffffff }), original: bytes() }),
) as fc.Arbitrary<PtBody>;

describe('body properties', () => {
  it('every body type round-trips through a whole message', () => {
    fc.assert(fc.property(arbPtBody, fc.integer({ min: 0, max: 0xffffffff }), (body, id) => {
      const m = decodePtMessage(encodePtMessage(ptMessage(body, id)));
      expect(m.id).toBe(id);
      expect(norm(decodePtBody(m))).toEqual(norm(body));
    }), { numRuns: 500 });
  });

  const decoders = [decodeVersionRequest, decodeVersionResponse, decodeSaslMechanisms, decodeSaslMechanismSelection,
    decodeSaslAuthenticationData, decodeSaslResult, decodePbTncBatch, decodePtError];
  it('arbitrary bytes → every body decoder yields or throws WireError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 2 }), (b, type, vendor) => {
      for (const d of decoders) {
        try { d(b); } catch (e) { expect(e).toBeInstanceOf(WireError); }
      }
      try { decodePtBody({ vendor, type, id: 0, body: b }); } catch (e) { expect(e).toBeInstanceOf(WireError); }
    }), { numRuns: 2000 });
  });
});

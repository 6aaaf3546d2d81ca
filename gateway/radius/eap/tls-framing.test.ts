import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InboundMessage, OutboundMessage, TLS_FLAGS, encodeTlsFragment, parseTlsFragment } from './tls-framing.js';
import { encodeAvp, parseAvps } from './ttls.js';
import { decompress, resultOf } from './peap.js';

describe('EAP-TLS framing', () => {
  test.each([
    ['an empty ACK', Buffer.from([0x00]), { flags: 0, version: 0, data: Buffer.alloc(0) }],
    ['a PEAP start (version 0)', Buffer.from([0x20]), { flags: 0x20, version: 0, data: Buffer.alloc(0) }],
    ['L and M with a length', Buffer.from([0xc0, 0, 0, 0, 9, 1, 2]), { flags: 0xc0, version: 0, messageLength: 9, data: Buffer.from([1, 2]) }],
    ['TTLS version bits', Buffer.from([0x01, 7]), { flags: 1, version: 1, data: Buffer.from([7]) }],
  ])('parses %s', (_name, bytes, expected) => {
    expect(parseTlsFragment(bytes)).toEqual(expected);
  });

  test.each([
    ['no flags byte', Buffer.alloc(0)],
    ['L without the 4-byte length', Buffer.from([0x80, 0, 0])],
  ])('refuses %s', (_name, bytes) => {
    expect(parseTlsFragment(bytes)).toBeUndefined();
  });

  test('whatever we fragment, the fragments reassemble into the message (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 5000 }), fc.integer({ min: 64, max: 1500 }), (bytes, size) => {
        const msg = Buffer.from(bytes);
        const out = new OutboundMessage(size);
        const inbound = new InboundMessage(64 * 1024);
        let frag = out.start(msg, 0);
        let got: ReturnType<InboundMessage['add']> = 'more';
        for (let i = 0; i < 1000; i++) {
          const f = parseTlsFragment(frag)!;
          expect(f.data.length).toBeLessThanOrEqual(size);
          got = inbound.add(f);
          if (got !== 'more') break;
          frag = out.next(0);
        }
        expect(got).toEqual(msg);
        expect(out.pending).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  test.each([
    ['more than announced', [encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(10), 12), encodeTlsFragment(0, Buffer.alloc(5))], /more than the announced/],
    ['less than announced', [encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(10), 30), encodeTlsFragment(0, Buffer.alloc(5))], /15 bytes, 30 announced/],
    ['a length over the budget', [encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(10), 100_000)], /over the 65536-byte limit/],
    ['a changed length', [encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(10), 30), encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(10), 31)], /changed/],
    ['an empty More fragment', [encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(0))], /empty fragment/],
  ])('reassembly refuses %s', (_name, frags, reason) => {
    const inbound = new InboundMessage(64 * 1024);
    let last: ReturnType<InboundMessage['add']> = 'more';
    for (const f of frags) last = inbound.add(parseTlsFragment(f)!);
    expect(last).toMatch(reason);
  });

  test('many small fragments cannot exceed the byte budget (no length announced)', () => {
    const inbound = new InboundMessage(1000);
    let last: ReturnType<InboundMessage['add']> = 'more';
    for (let i = 0; i < 20 && last === 'more'; i++) last = inbound.add(parseTlsFragment(encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(100)))!);
    expect(last).toMatch(/over the 1000-byte limit/);
  });
});

describe('TTLS AVPs and PEAP TLVs', () => {
  test('AVPs round-trip, padding included', () => {
    const bytes = Buffer.concat([encodeAvp(1, Buffer.from('alice')), encodeAvp(2, Buffer.from('pw\0\0'))]);
    expect(parseAvps(bytes)?.map((a) => [a.code, a.data.toString()])).toEqual([
      [1, 'alice'],
      [2, 'pw\0\0'],
    ]);
  });

  test('the parsers never throw on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        parseAvps(b);
        decompress(b);
        resultOf(b);
        parseTlsFragment(b);
      }),
      { numRuns: 2000 },
    );
  });

  test.each([
    ['a length shorter than the header', Buffer.from([0, 0, 0, 1, 0x40, 0, 0, 4])],
    ['a length past the end', Buffer.from([0, 0, 0, 1, 0x40, 0, 0, 40, 1, 2])],
    ['a vendor AVP without room for its vendor id', Buffer.from([0, 0, 0, 1, 0xc0, 0, 0, 8])],
  ])('AVPs: refuses %s', (_name, bytes) => {
    expect(parseAvps(bytes)).toBeUndefined();
  });
});

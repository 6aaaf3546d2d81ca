import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PT_ERROR, WireError } from '../wire-error.js';
import { decodePtError } from './bodies.js';
import { PtFramer, errorMessageFor } from './framer.js';
import { PT_MAX_MESSAGE_BYTES, PT_TYPE, encodePtMessage, type PtMessage } from './message.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const norm = (ms: PtMessage[]) => ms.map((m) => ({ ...m, body: hex(m.body) }));
const arbMsg: fc.Arbitrary<PtMessage> = fc.record({
  vendor: fc.integer({ min: 0, max: 0xffffff }),
  type: fc.integer({ min: 0, max: 0xffffffff }),
  id: fc.integer({ min: 0, max: 0xffffffff }),
  body: fc.uint8Array({ maxLength: 64 }),
});
const msg = (id: number, body = Uint8Array.of(id & 0xff, 1, 2)): PtMessage => ({ vendor: 0, type: PT_TYPE.PB_TNC_BATCH, id, body });
const malformed = expect.objectContaining({ layer: 'pt-tls', code: PT_ERROR.MALFORMED_MESSAGE });

/** A header announcing `length` bytes, with no body behind it. */
const header = (length: number): Buffer => Buffer.from(`00000000000000070${length.toString(16).padStart(7, '0')}00000001`, 'hex');

describe('PtFramer', () => {
  it('defaults to 128 × 16384 − 16 bytes', () => {
    expect(new PtFramer().maxMessageBytes).toBe(PT_MAX_MESSAGE_BYTES);
    expect(PT_MAX_MESSAGE_BYTES).toBe(2_097_136);
  });

  it('assembles messages delivered byte by byte', () => {
    const f = new PtFramer();
    const wire = Buffer.concat([msg(1), msg(2, new Uint8Array())].map(encodePtMessage));
    const got: PtMessage[] = [];
    for (const b of wire) got.push(...f.push(Uint8Array.of(b)));
    expect(norm(got)).toEqual(norm([msg(1), msg(2, new Uint8Array())]));
    expect(f.bufferedBytes).toBe(0);
  });

  it('returns many messages from one chunk and keeps the partial tail', () => {
    const f = new PtFramer();
    const all = Array.from({ length: 50 }, (_, i) => msg(i));
    const wire = Buffer.concat(all.map(encodePtMessage));
    expect(norm(f.push(wire.subarray(0, wire.length - 5)))).toEqual(norm(all.slice(0, 49)));
    expect(f.bufferedBytes).toBe(wire.length - 5 - 49 * 19);
    expect(norm(f.push(wire.subarray(wire.length - 5)))).toEqual(norm(all.slice(49)));
  });

  it('accepts a message of exactly the limit', () => {
    const f = new PtFramer({ maxMessageBytes: 100 });
    expect(f.push(encodePtMessage(msg(1, new Uint8Array(84))))).toHaveLength(1);
  });

  it('fails on an oversized length as soon as the header is complete, before any body', () => {
    const f = new PtFramer();
    const h = header(PT_MAX_MESSAGE_BYTES + 1);
    expect(f.push(h.subarray(0, 15))).toEqual([]);
    expect(() => f.push(h.subarray(15))).toThrow(malformed);
    expect(f.error?.message).toMatch(/exceeds the 2097136-byte limit/);
    expect(hex(f.offendingBytes!)).toBe(hex(h));
    expect(f.bufferedBytes).toBe(0);
  });

  it('fails on a length below the header size', () => {
    expect(() => new PtFramer().push(header(15))).toThrow(malformed);
  });

  it('is poisoned after an error', () => {
    const f = new PtFramer({ maxMessageBytes: 64 });
    let first: unknown;
    try { f.push(header(65)); } catch (e) { first = e; }
    expect(first).toBeInstanceOf(WireError);
    expect(() => f.push(encodePtMessage(msg(1)))).toThrow(first as Error);
    expect(() => f.push(new Uint8Array())).toThrow(first as Error);
  });

  it('does not alias the caller\'s chunk', () => {
    const f = new PtFramer();
    const wire = encodePtMessage(msg(7));
    f.push(wire.subarray(0, 17));
    const rest = Buffer.from(wire.subarray(17));
    wire.fill(0);
    expect(norm(f.push(rest))).toEqual(norm([msg(7)]));
  });

  it('random chunking of a valid stream yields the same messages', () => {
    fc.assert(fc.property(fc.array(arbMsg, { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (ms, cuts) => {
      const wire = Buffer.concat(ms.map(encodePtMessage));
      const f = new PtFramer();
      const got: PtMessage[] = [];
      for (let at = 0, i = 0; at < wire.length; i++) {
        const n = cuts[i % cuts.length]!;
        got.push(...f.push(wire.subarray(at, at + n)));
        at += n;
      }
      expect(norm(got)).toEqual(norm(ms));
      expect(f.bufferedBytes).toBe(0);
    }), { numRuns: 500 });
  });

  it('arbitrary bytes in arbitrary chunks → messages or WireError only, never over one max message buffered', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
      const f = new PtFramer({ maxMessageBytes: 64 });
      for (const c of chunks) {
        try {
          f.push(c);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
        expect(f.bufferedBytes).toBeLessThanOrEqual(64);
      }
    }), { numRuns: 2000 });
  });
});

describe('errorMessageFor', () => {
  it('builds an IETF Error message with the code and a copy of the offending bytes', () => {
    const offending = header(PT_MAX_MESSAGE_BYTES + 1);
    const m = errorMessageFor(new WireError('pt-tls', PT_ERROR.MALFORMED_MESSAGE, 'x'), offending, 3);
    expect(m).toMatchObject({ vendor: 0, type: PT_TYPE.ERROR, id: 3 });
    expect(hex(encodePtMessage(m))).toBe('00000000' + '00000008' + '00000028' + '00000003' + '00000000' + '00000001' + hex(offending));
    offending.fill(0);
    expect(hex(decodePtError(m.body).original)).not.toBe(hex(offending));
  });

  it('copies at most 1024 bytes', () => {
    const m = errorMessageFor(new WireError('pt-tls', PT_ERROR.INVALID_MESSAGE, 'x'), new Uint8Array(5000), 0);
    expect(decodePtError(m.body)).toMatchObject({ code: PT_ERROR.INVALID_MESSAGE });
    expect(decodePtError(m.body).original).toHaveLength(1024);
  });

  it('refuses errors from other layers', () => {
    expect(() => errorMessageFor(new WireError('pb-tnc', 1, 'x'), new Uint8Array(), 0)).toThrow(RangeError);
  });
});

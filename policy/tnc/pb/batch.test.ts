import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PB_ERROR } from '../wire-error.js';
import { BatchType, decodeBatch, encodeBatch, type BatchTypeValue, type PbBatch, type PbMessage } from './batch.js';
import { hex, returnsOrWireError, wireErrorOf } from '../test-helpers.js';

const LIMIT = { maxBatchBytes: 128 * 16384 };
const strip = (b: PbBatch): PbBatch => ({ ...b, messages: b.messages.map(({ noskip, vendor, type, body }) => ({ noskip, vendor, type, body: Buffer.from(body) })) });

describe('known batch layouts', () => {
  test.each<[string, PbBatch, string]>([
    ['empty server CLOSE', { fromServer: true, type: BatchType.CLOSE, messages: [] }, '02 80 0006 00000008'],
    ['empty client CDATA', { fromServer: false, type: BatchType.CDATA, messages: [] }, '02 00 0001 00000008'],
    ['server SRETRY', { fromServer: true, type: BatchType.SRETRY, messages: [] }, '02 80 0005 00000008'],
    ['client CRETRY', { fromServer: false, type: BatchType.CRETRY, messages: [] }, '02 00 0004 00000008'],
    [
      'client CDATA with one NOSKIP vendor message',
      { fromServer: false, type: BatchType.CDATA, messages: [{ noskip: true, vendor: 0x902a, type: 7, body: hex('aabb') }] },
      '02 00 0001 00000016  80 00902a 00000007 0000000e aabb',
    ],
    [
      'server SDATA with two messages',
      {
        fromServer: true,
        type: BatchType.SDATA,
        messages: [
          { noskip: false, vendor: 0, type: 6, body: hex('') },
          { noskip: true, vendor: 0x123456, type: 0xfffffffe, body: hex('01') },
        ],
      },
      '02 80 0002 00000021  00 000000 00000006 0000000c  80 123456 fffffffe 0000000d 01',
    ],
  ])('%s', (_name, batch, wire) => {
    expect(encodeBatch(batch)).toEqual(hex(wire));
    expect(strip(decodeBatch(hex(wire), LIMIT))).toEqual(strip(batch));
  });

  it('ignores the reserved bits around D and the batch type, and other message flag bits', () => {
    const b = decodeBatch(hex('02 7f fff3 00000014  7f 000000 00000002 0000000c'), LIMIT);
    expect(b.fromServer).toBe(false);
    expect(b.type).toBe(BatchType.RESULT);
    expect(b.messages[0]?.noskip).toBe(false);
  });

  it('records where each message header starts', () => {
    const b = decodeBatch(hex('02 80 0002 00000021  00 000000 00000006 0000000c  80 123456 00000001 0000000d 01'), LIMIT);
    expect(b.messages.map((m) => m.offset)).toEqual([8, 20]);
  });
});

describe('decode errors', () => {
  test.each<[string, string, number, number, object?]>([
    ['version 1', '01 80 0003 00000008', PB_ERROR.VERSION_NOT_SUPPORTED, 0, { bad: 1, max: 2, min: 2 }],
    ['version 3', '03 00 0001 00000008', PB_ERROR.VERSION_NOT_SUPPORTED, 0, { bad: 3, max: 2, min: 2 }],
    ['empty input', '', PB_ERROR.INVALID_PARAMETER, 0],
    ['truncated header', '02 80 00', PB_ERROR.INVALID_PARAMETER, 2],
    ['batch type 0', '02 80 0000 00000008', PB_ERROR.INVALID_PARAMETER, 3],
    ['batch type 7', '02 80 0007 00000008', PB_ERROR.INVALID_PARAMETER, 3],
    ['batch type 15', '02 80 000f 00000008', PB_ERROR.INVALID_PARAMETER, 3],
    ['batch length larger than received', '02 80 0006 00000009', PB_ERROR.INVALID_PARAMETER, 4],
    ['batch length smaller than received', '02 80 0006 00000008 00', PB_ERROR.INVALID_PARAMETER, 4],
    ['batch length 0', '02 80 0006 00000000', PB_ERROR.INVALID_PARAMETER, 4],
    ['message length 11', '02 00 0001 00000014  00 000000 00000001 0000000b', PB_ERROR.INVALID_PARAMETER, 16],
    ['message length 0', '02 00 0001 00000014  00 000000 00000001 00000000', PB_ERROR.INVALID_PARAMETER, 16],
    ['message past the end', '02 00 0001 00000014  00 000000 00000001 0000000d', PB_ERROR.INVALID_PARAMETER, 16],
    ['message length 2^32-1', '02 00 0001 00000014  00 000000 00000001 ffffffff', PB_ERROR.INVALID_PARAMETER, 16],
    ['truncated message header', '02 00 0001 0000000d  00 000000 00', PB_ERROR.INVALID_PARAMETER, 12],
    ['reserved vendor', '02 00 0001 00000014  00 ffffff 00000001 0000000c', PB_ERROR.INVALID_PARAMETER, 9],
    ['reserved message type', '02 00 0001 00000014  00 000000 ffffffff 0000000c', PB_ERROR.INVALID_PARAMETER, 12],
  ])('%s', (_name, wire, code, offset, detail) => {
    const e = wireErrorOf(() => decodeBatch(hex(wire), LIMIT));
    expect(e.layer).toBe('pb-tnc');
    expect(e.code).toBe(code);
    expect(e.offset).toBe(offset);
    if (detail) expect(e.detail).toEqual(detail);
  });

  it('rejects a batch over maxBatchBytes with LOCAL_ERROR before parsing it', () => {
    const e = wireErrorOf(() => decodeBatch(Buffer.alloc(100, 0xff), { maxBatchBytes: 99 }));
    expect(e.code).toBe(PB_ERROR.LOCAL_ERROR);
  });

  it('accepts a batch of exactly maxBatchBytes', () => {
    const wire = encodeBatch({ fromServer: false, type: BatchType.CDATA, messages: [{ noskip: false, vendor: 1, type: 1, body: new Uint8Array(80) }] });
    expect(decodeBatch(wire, { maxBatchBytes: wire.length }).messages).toHaveLength(1);
  });

  it('rejects more than maxMessages messages with LOCAL_ERROR', () => {
    const m: PbMessage = { noskip: false, vendor: 0, type: 6, body: new Uint8Array(0) };
    const wire = encodeBatch({ fromServer: false, type: BatchType.CDATA, messages: [m, m, m] });
    expect(decodeBatch(wire, { ...LIMIT, maxMessages: 3 }).messages).toHaveLength(3);
    const e = wireErrorOf(() => decodeBatch(wire, { ...LIMIT, maxMessages: 2 }));
    expect(e.code).toBe(PB_ERROR.LOCAL_ERROR);
    expect(e.offset).toBe(32);
  });

  test.each([
    ['server batch where a client one is expected', '02 80 0001 00000008', false],
    ['client batch where a server one is expected', '02 00 0003 00000008', true],
  ])('wrong D flag: %s', (_name, wire, expectFromServer) => {
    const e = wireErrorOf(() => decodeBatch(hex(wire), { ...LIMIT, expectFromServer }));
    expect(e.code).toBe(PB_ERROR.INVALID_PARAMETER);
    expect(e.offset).toBe(1);
  });

  it('checks the version before anything else', () => {
    expect(wireErrorOf(() => decodeBatch(hex('01 00 000f 00000001'), { ...LIMIT, expectFromServer: true })).code).toBe(PB_ERROR.VERSION_NOT_SUPPORTED);
  });
});

describe('encoder', () => {
  it('sets the exact batch length', () => {
    const wire = encodeBatch({ fromServer: true, type: BatchType.RESULT, messages: [{ noskip: true, vendor: 0, type: 2, body: new Uint8Array(4) }] });
    expect(wire.readUInt32BE(4)).toBe(wire.length);
    expect(wire[1]! & 0x80).toBe(0x80);
  });
  it('refuses values that do not fit their fields', () => {
    expect(() => encodeBatch({ fromServer: true, type: BatchType.SDATA, messages: [{ noskip: false, vendor: 0x1000000, type: 1, body: new Uint8Array(0) }] })).toThrow(RangeError);
    expect(() => encodeBatch({ fromServer: true, type: 9 as BatchTypeValue, messages: [] })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// properties

const arbBatchType = fc.constantFrom<BatchTypeValue>(...Object.values(BatchType));
const arbMessage: fc.Arbitrary<PbMessage> = fc.record({
  noskip: fc.boolean(),
  vendor: fc.integer({ min: 0, max: 0xfffffe }),
  type: fc.integer({ min: 0, max: 0xfffffffe }),
  body: fc.uint8Array({ maxLength: 64 }),
});
const arbBatch: fc.Arbitrary<PbBatch> = fc.record({ fromServer: fc.boolean(), type: arbBatchType, messages: fc.array(arbMessage, { maxLength: 8 }) });

describe('properties', () => {
  it('decodeBatch(encodeBatch(b)) round-trips', () => {
    fc.assert(
      fc.property(arbBatch, (b) => {
        const wire = encodeBatch(b);
        expect(wire.readUInt32BE(4)).toBe(wire.length);
        expect(strip(decodeBatch(wire, { ...LIMIT, expectFromServer: b.fromServer }))).toEqual(strip(b));
      }),
    );
  });

  it('arbitrary bytes: decodeBatch returns or throws WireError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => returnsOrWireError(() => decodeBatch(bytes, { maxBatchBytes: 64, maxMessages: 4 }), 'pb-tnc')),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes behind a plausible header (version 2, honest length): WireError only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.uint8Array({ maxLength: 96 }), fc.option(fc.boolean(), { nil: undefined }), (flags, rest, expectFromServer) => {
        const buf = Buffer.alloc(8 + rest.length);
        buf[0] = 2;
        buf.writeUIntBE(flags, 1, 3);
        buf.writeUInt32BE(buf.length, 4);
        buf.set(rest, 8);
        return returnsOrWireError(() => decodeBatch(buf, { ...LIMIT, expectFromServer }), 'pb-tnc');
      }),
      { numRuns: 2000 },
    );
  });

  it('a corrupted batch length is always INVALID_PARAMETER at offset 4', () => {
    fc.assert(
      fc.property(arbBatch, fc.integer({ min: 0, max: 0xffffffff }), (b, len) => {
        const wire = encodeBatch(b);
        fc.pre(len !== wire.length);
        wire.writeUInt32BE(len, 4);
        const e = wireErrorOf(() => decodeBatch(wire, LIMIT));
        expect([e.code, e.offset]).toEqual([PB_ERROR.INVALID_PARAMETER, 4]);
      }),
    );
  });

  it('a corrupted length in a lone short message is always INVALID_PARAMETER', () => {
    fc.assert(
      fc.property(arbBatchType, arbMessage, fc.integer({ min: 0, max: 0xffffffff }), (type, m, len) => {
        fc.pre(m.body.length < 12);
        const wire = encodeBatch({ fromServer: true, type, messages: [m] });
        fc.pre(len !== wire.length - 8);
        wire.writeUInt32BE(len, 16);
        expect(wireErrorOf(() => decodeBatch(wire, LIMIT)).code).toBe(PB_ERROR.INVALID_PARAMETER);
      }),
    );
  });

  it('corrupting any message length field: returns or WireError, never another exception', () => {
    fc.assert(
      fc.property(arbBatch, fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (b, pick, len) => {
        fc.pre(b.messages.length > 0);
        const wire = encodeBatch(b);
        let at = 8;
        const target = pick % b.messages.length;
        for (let i = 0; i < target; i++) at += 12 + b.messages[i]!.body.length;
        wire.writeUInt32BE(len, at + 8);
        return returnsOrWireError(() => decodeBatch(wire, LIMIT), 'pb-tnc');
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PB_ERROR, WireError } from '../wire-error.js';
import { BatchType, decodeBatch, encodeBatch, type PbMessage } from './batch.js';
import {
  decodeIetfPbMessage,
  encodeIetfPbMessage,
  pbErrorFor,
  PB_MESSAGE_RULES,
  PbMessageType,
  type IetfPbMessage,
  type PbMessageTypeValue,
} from './messages.js';
import { hex, returnsOrWireError, wireErrorOf } from '../test-helpers.js';

const msg = (type: number, body: string, offset?: number): PbMessage => ({ noskip: false, vendor: 0, type, body: hex(body), ...(offset === undefined ? {} : { offset }) });

describe('known message bodies', () => {
  test.each<[string, IetfPbMessage, string]>([
    [
      'PB-PA, EXCL, OS subtype, collector 1, validator 0xffff',
      { kind: 'pa', exclusive: true, paVendor: 0, paSubtype: 1, collectorId: 1, validatorId: 0xffff, paMessage: hex('0100000000000001') },
      '80 000000 00000001 0001 ffff 0100000000000001',
    ],
    ['PB-PA, no EXCL, empty PA message', { kind: 'pa', exclusive: false, paVendor: 0x902a, paSubtype: 9, collectorId: 2, validatorId: 3, paMessage: hex('') }, '00 00902a 00000009 0002 0003'],
    ['PB-Assessment-Result non-compliant major', { kind: 'assessment-result', result: 2 }, '00000002'],
    ['PB-Access-Recommendation Allow', { kind: 'access-recommendation', code: 1 }, '0000 0001'],
    ['PB-Access-Recommendation Quarantine', { kind: 'access-recommendation', code: 3 }, '0000 0003'],
    ['PB-Remediation-Parameters URI', { kind: 'remediation-parameters', vendor: 0, type: 1, params: Buffer.from('https://x/') }, `00 000000 00000001 ${Buffer.from('https://x/').toString('hex')}`],
    ['PB-Error invalid parameter, fatal', { kind: 'error', fatal: true, vendor: 0, code: 1, offset: 0x1c }, '80 000000 0001 0000 0000001c'],
    ['PB-Error without parameters', { kind: 'error', fatal: false, vendor: 0, code: 2 }, '00 000000 0002 0000'],
    ['PB-Error version not supported', { kind: 'error', fatal: true, vendor: 0, code: 4, bad: 1, max: 2, min: 2 }, '80 000000 0004 0000 01 02 02 00'],
    ['PB-Error vendor-specific', { kind: 'error', fatal: false, vendor: 0x902a, code: 4, offset: 7 }, '00 00902a 0004 0000 00000007'],
    ['PB-Language-Preference', { kind: 'language-preference', text: 'Accept-Language: en' }, Buffer.from('Accept-Language: en').toString('hex')],
    ['PB-Reason-String', { kind: 'reason-string', reason: 'ok', lang: 'en' }, '00000002 6f6b 02 656e'],
    ['PB-Reason-String empty', { kind: 'reason-string', reason: '', lang: '' }, '00000000 00'],
  ])('%s', (_name, x, body) => {
    const m = encodeIetfPbMessage(x);
    expect(Buffer.from(m.body)).toEqual(hex(body));
    expect(m.vendor).toBe(0);
    expect(decodeIetfPbMessage(m)).toEqual(x);
  });

  test.each<[IetfPbMessage['kind'], IetfPbMessage, boolean, number]>([
    ['pa', { kind: 'pa', exclusive: false, paVendor: 0, paSubtype: 1, collectorId: 1, validatorId: 1, paMessage: hex('') }, true, 1],
    ['assessment-result', { kind: 'assessment-result', result: 0 }, true, 2],
    ['access-recommendation', { kind: 'access-recommendation', code: 2 }, false, 3],
    ['remediation-parameters', { kind: 'remediation-parameters', vendor: 0, type: 1, params: hex('') }, false, 4],
    ['error', { kind: 'error', fatal: true, vendor: 0, code: 0, offset: 0 }, true, 5],
    ['language-preference', { kind: 'language-preference', text: '' }, false, 6],
    ['reason-string', { kind: 'reason-string', reason: '', lang: '' }, false, 7],
  ])('%s defaults to NOSKIP=%s and type %d', (_k, x, noskip, type) => {
    const m = encodeIetfPbMessage(x);
    expect([m.noskip, m.type]).toEqual([noskip, type]);
    expect(encodeIetfPbMessage(x, !noskip).noskip).toBe(!noskip);
  });
});

describe('the RESULT batch a standard client expects', () => {
  // PA-TNC message (RFC 5792): header v1 + id 1, one Assessment Result attribute (IETF type 9), Compliant.
  const paMessage = hex('01 000000 00000001  00 000000 00000009 00000010 00000000');
  const wire = hex(
    [
      '02 80 0003 0000006d', // version 2, D set, RESULT, 109 bytes
      '80 000000 00000001 00000030', // PB-PA, NOSKIP, 48 bytes
      '00 000000 00000001 0001 0000', //   no EXCL, IETF, OS subtype, collector 1, validator 0
      '01 000000 00000001 00 000000 00000009 00000010 00000000',
      '80 000000 00000002 00000010 00000000', // PB-Assessment-Result, NOSKIP, Compliant
      '00 000000 00000003 00000010 0000 0001', // PB-Access-Recommendation, no NOSKIP, Allow
      '00 000000 00000007 00000015 00000002 6f6b 02 656e', // PB-Reason-String, no NOSKIP, "ok"/"en"
    ].join(''),
  );
  const messages: IetfPbMessage[] = [
    { kind: 'pa', exclusive: false, paVendor: 0, paSubtype: 1, collectorId: 1, validatorId: 0, paMessage },
    { kind: 'assessment-result', result: 0 },
    { kind: 'access-recommendation', code: 1 },
    { kind: 'reason-string', reason: 'ok', lang: 'en' },
  ];

  it('encodes byte for byte', () => {
    expect(encodeBatch({ fromServer: true, type: BatchType.RESULT, messages: messages.map((x) => encodeIetfPbMessage(x)) })).toEqual(wire);
  });

  it('decodes back to the same typed messages', () => {
    const b = decodeBatch(wire, { maxBatchBytes: 1 << 16, expectFromServer: true });
    expect(b.type).toBe(BatchType.RESULT);
    expect(b.messages.map((m) => m.noskip)).toEqual([true, true, false, false]);
    expect(b.messages.map((m) => decodeIetfPbMessage(m))).toEqual(messages);
  });
});

describe('decode errors and non-IETF messages', () => {
  it('returns undefined for other vendors and unknown or experimental types', () => {
    expect(decodeIetfPbMessage({ noskip: true, vendor: 0x902a, type: 1, body: hex('00') })).toBeUndefined();
    expect(decodeIetfPbMessage(msg(0, 'ff'))).toBeUndefined();
    expect(decodeIetfPbMessage(msg(8, ''))).toBeUndefined();
    expect(decodeIetfPbMessage(msg(0xfffffffe, ''))).toBeUndefined();
  });

  // Offsets count from the message header (offset unset) or from the batch (offset set).
  test.each<[string, PbMessage, number]>([
    ['PB-PA shorter than its 12-byte header', msg(1, '00 000000 00000001 0001 00'), 12 + 10],
    ['assessment result 5', msg(2, '00000005'), 12],
    ['assessment result truncated', msg(2, '000000'), 12],
    ['assessment result trailing byte', msg(2, '00000000 00'), 16],
    ['access recommendation 0', msg(3, '0000 0000'), 14],
    ['access recommendation 4', msg(3, '0000 0004'), 14],
    ['access recommendation trailing bytes', msg(3, '0000 0001 00'), 16],
    ['remediation shorter than 8', msg(4, '00 000000 0000'), 16],
    ['error shorter than 8', msg(5, '80 000000 0001'), 18],
    ['error with a 2-byte parameter', msg(5, '80 000000 0001 0000 0000'), 20],
    ['version error missing fields', msg(5, '80 000000 0004 0000 01'), 21],
    ['reason length past the end', msg(7, '00000006 6f6b 02 656e'), 12],
    ['reason missing language length', msg(7, '00000002 6f6b'), 18],
    ['reason language past the end', msg(7, '00000002 6f6b 05 656e'), 19],
    ['reason trailing byte', msg(7, '00000002 6f6b 02 656e 00'), 21],
    ['reason invalid UTF-8', msg(7, '00000002 c328 00'), 16],
    ['language preference invalid UTF-8', msg(6, 'ff'), 12],
    ['offset relative to the batch when known', msg(2, '00000009', 40), 52],
  ])('%s', (_name, m, offset) => {
    const e = wireErrorOf(() => decodeIetfPbMessage(m));
    expect([e.layer, e.code, e.offset]).toEqual(['pb-tnc', PB_ERROR.INVALID_PARAMETER, offset]);
    expect(e.message).toMatch(/^pb-tnc: [^]/);
    expect(e.message).not.toMatch(/pb-tnc: pb-tnc/);
  });
});

describe('pbErrorFor', () => {
  it('builds a fatal Invalid Parameter error with the offset', () => {
    const e = wireErrorOf(() => decodeBatch(hex('02 80 0006 00000009'), { maxBatchBytes: 100 }));
    const m = pbErrorFor(e);
    expect([m.vendor, m.type, m.noskip]).toEqual([0, PbMessageType.ERROR, true]);
    expect(Buffer.from(m.body)).toEqual(hex('80 000000 0001 0000 00000004'));
  });
  it('builds Version Not Supported with bad, max and min', () => {
    const e = wireErrorOf(() => decodeBatch(hex('01 80 0006 00000008'), { maxBatchBytes: 100 }));
    expect(Buffer.from(pbErrorFor(e).body)).toEqual(hex('80 000000 0004 0000 01 02 02 00'));
  });
  test.each([PB_ERROR.UNEXPECTED_BATCH_TYPE, PB_ERROR.LOCAL_ERROR, PB_ERROR.UNSUPPORTED_MANDATORY_MESSAGE])('code %d', (code) => {
    expect(decodeIetfPbMessage(pbErrorFor(new WireError('pb-tnc', code, 'x', 9)))).toEqual({ kind: 'error', fatal: true, vendor: 0, code, offset: 9 });
  });
});

// ---------------------------------------------------------------------------------------------
// properties

const u24 = fc.integer({ min: 0, max: 0xffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const text = fc.string({ unit: 'grapheme', maxLength: 40 });

const arbByKind: Record<IetfPbMessage['kind'], fc.Arbitrary<IetfPbMessage>> = {
  pa: fc.record({
    kind: fc.constant('pa' as const),
    exclusive: fc.boolean(),
    paVendor: u24,
    paSubtype: u32,
    collectorId: fc.integer({ min: 0, max: 0xffff }),
    validatorId: fc.integer({ min: 0, max: 0xffff }),
    paMessage: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  }),
  'assessment-result': fc.record({ kind: fc.constant('assessment-result' as const), result: fc.integer({ min: 0, max: 4 }) }),
  'access-recommendation': fc.record({ kind: fc.constant('access-recommendation' as const), code: fc.constantFrom(1 as const, 2 as const, 3 as const) }),
  'remediation-parameters': fc.record({
    kind: fc.constant('remediation-parameters' as const),
    vendor: u24,
    type: u32,
    params: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  }),
  error: fc.oneof(
    fc
      .record(
        { kind: fc.constant('error' as const), fatal: fc.boolean(), vendor: u24, code: fc.integer({ min: 0, max: 0xffff }), offset: u32 },
        { requiredKeys: ['kind', 'fatal', 'vendor', 'code'] },
      )
      // vendor 0 code 4 always carries the version fields, so it belongs to the other shape.
      .filter((e) => !(e.vendor === 0 && e.code === 4)),
    fc.record({
      kind: fc.constant('error' as const),
      fatal: fc.boolean(),
      vendor: fc.constant(0 as const),
      code: fc.constant(4 as const),
      bad: fc.integer({ min: 0, max: 255 }),
      max: fc.integer({ min: 0, max: 255 }),
      min: fc.integer({ min: 0, max: 255 }),
    }),
  ),
  'language-preference': fc.record({ kind: fc.constant('language-preference' as const), text }),
  'reason-string': fc.record({ kind: fc.constant('reason-string' as const), reason: text, lang: fc.string({ maxLength: 30 }) }),
};

describe('properties', () => {
  test.each(Object.keys(arbByKind) as IetfPbMessage['kind'][])('%s round-trips through a batch', (kind) => {
    fc.assert(
      fc.property(arbByKind[kind], fc.boolean(), (x, noskip) => {
        const m = encodeIetfPbMessage(x, noskip);
        const wire = encodeBatch({ fromServer: true, type: BatchType.RESULT, messages: [m] });
        const back = decodeBatch(wire, { maxBatchBytes: 1 << 16 }).messages[0]!;
        expect(back.noskip).toBe(noskip);
        expect(decodeIetfPbMessage(back)).toEqual(x);
      }),
    );
  });

  it('arbitrary bodies: decodeIetfPbMessage returns or throws WireError only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 40 }), fc.option(fc.nat(), { nil: undefined }), (type, body, offset) =>
        returnsOrWireError(() => decodeIetfPbMessage({ noskip: true, vendor: 0, type, body, ...(offset === undefined ? {} : { offset }) }), 'pb-tnc'),
      ),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes through decodeBatch then decodeIetfPbMessage: WireError only', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.integer({ min: 0, max: 8 }), body: fc.uint8Array({ maxLength: 24 }) }), { maxLength: 4 }), (ms) => {
        const wire = encodeBatch({ fromServer: false, type: BatchType.CDATA, messages: ms.map((m) => ({ noskip: false, vendor: 0, ...m })) });
        return returnsOrWireError(() => decodeBatch(wire, { maxBatchBytes: 1 << 16 }).messages.map(decodeIetfPbMessage), 'pb-tnc');
      }),
      { numRuns: 2000 },
    );
  });

  it('every type in PB_MESSAGE_RULES is known', () => {
    for (const t of Object.keys(PB_MESSAGE_RULES).map(Number) as PbMessageTypeValue[]) expect(Object.values(PbMessageType)).toContain(t);
  });
});

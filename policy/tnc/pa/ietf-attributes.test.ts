import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PA_ERROR, WireError } from '../wire-error.js';
import { ietfAttributeArb, lastUseArb } from './arbitraries.js';
import { IETF_ATTR, REMEDIATION_PARAMS, VENDOR } from './constants.js';
import {
  IETF_ATTRIBUTE_TYPES,
  decodeIetfAttribute,
  decodeRemediationString,
  decodeRemediationUri,
  encodeIetfAttribute,
  encodeRemediationString,
  remediationString,
  remediationUri,
  type IetfAttribute,
} from './ietf-attributes.js';
import { decodePaMessage, encodePaMessage, type PaAttribute } from './message.js';
import { returnsOrWireError, wireErrorOf } from '../test-helpers.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ietf = (type: number, value: string): PaAttribute => ({ noskip: false, vendor: 0, type, value: hex(value) });
const asHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Hand-built values, field by field from RFC 5792 §4.2 / docs/nea-wire.md.
const KNOWN: [string, number, string, IetfAttribute][] = [
  [
    'Attribute Request: Product Information + ITA Device ID',
    1,
    '00 000000 00000002   00 00902a 00000008',
    { type: 'attribute-request', attributes: [{ vendor: 0, type: 2 }, { vendor: 0x00902a, type: 8 }] },
  ],
  ['Attribute Request: empty', 1, '', { type: 'attribute-request', attributes: [] }],
  [
    'Product Information: Debian, id 0, "Debian"',
    2,
    '002572 0000 446562696' + '16e',
    { type: 'product-information', vendorId: 9586, productId: 0, name: 'Debian' },
  ],
  ['Product Information: empty name, UTF-8 é', 2, '007132 0102 c3a9', { type: 'product-information', vendorId: 28978, productId: 0x0102, name: 'é' }],
  [
    'Numeric Version 12.4.1 SP 2.3',
    3,
    '0000000c 00000004 00000001 0002 0003',
    { type: 'numeric-version', major: 12, minor: 4, build: 1, servicePackMajor: 2, servicePackMinor: 3 },
  ],
  [
    'String Version "12.4" / "" / "x"',
    4,
    '04 31322e34  00  01 78',
    { type: 'string-version', version: '12.4', build: '', config: 'x' },
  ],
  [
    'Operational Status: operational, successful',
    5,
    '03 01 0000 ' + Buffer.from('2026-11-23T09:00:00Z').toString('hex'),
    { type: 'operational-status', status: 3, result: 1, lastUse: '2026-11-23T09:00:00Z' },
  ],
  [
    'Port Filter: tcp/22 allowed, udp/53 blocked',
    6,
    '00 06 0016   01 11 0035',
    {
      type: 'port-filter',
      entries: [
        { blocked: false, protocol: 6, port: 22 },
        { blocked: true, protocol: 17, port: 53 },
      ],
    },
  ],
  [
    'Installed Packages: openssl 3.0.15, bash ""',
    7,
    '0000 0002  07 6f70656e73736c 06 332e302e3135  04 62617368 00',
    {
      type: 'installed-packages',
      packages: [
        { name: 'openssl', version: '3.0.15' },
        { name: 'bash', version: '' },
      ],
    },
  ],
  ['Installed Packages: none', 7, '0000 0000', { type: 'installed-packages', packages: [] }],
  [
    'PA-TNC Error: invalid parameter at 16',
    8,
    '00 000000 00000001  01000000 00000001 00000010',
    { type: 'pa-tnc-error', vendor: 0, code: 1, info: hex('0100000000000001 00000010') },
  ],
  ['Assessment Result 3', 9, '00000003', { type: 'assessment-result', result: 3 }],
  [
    'Remediation Instructions: URI',
    10,
    '00 000000 00000001 ' + Buffer.from('https://x/').toString('hex'),
    { type: 'remediation-instructions', vendor: 0, paramsType: 1, params: Uint8Array.from(Buffer.from('https://x/')) },
  ],
  [
    'Remediation Instructions: string "hi" lang "en"',
    10,
    '00 000000 00000002  00000002 6869 02 656e',
    { type: 'remediation-instructions', vendor: 0, paramsType: 2, params: hex('00000002 6869 02 656e') },
  ],
  ['Forwarding Enabled: unknown', 11, '00000002', { type: 'forwarding-enabled', value: 2 }],
  ['Factory Default Password Enabled: true', 12, '00000001', { type: 'factory-default-password-enabled', value: 1 }],
];

describe('IETF attributes: known layouts', () => {
  test.each(KNOWN)('%s', (_name, type, value, attr) => {
    const encoded = encodeIetfAttribute(attr);
    expect(encoded.vendor).toBe(0);
    expect(encoded.type).toBe(type);
    expect(asHex(encoded.value)).toBe(asHex(hex(value)));
    expect(decodeIetfAttribute(ietf(type, value))).toEqual(attr);
  });

  it('covers every IETF type 1–12', () => {
    expect(new Set(KNOWN.map((k) => k[1]))).toEqual(new Set(Object.values(IETF_ATTRIBUTE_TYPES)));
    expect(Object.values(IETF_ATTRIBUTE_TYPES).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('carries the NOSKIP flag through', () => {
    expect(encodeIetfAttribute({ type: 'assessment-result', result: 0 }, true).noskip).toBe(true);
    expect(encodeIetfAttribute({ type: 'assessment-result', result: 0 }).noskip).toBe(false);
  });

  test.each<[string, PaAttribute]>([
    ['other vendor', { noskip: false, vendor: VENDOR.ITA_HSR, type: 8, value: hex('61') }],
    ['IETF Testing (0)', ietf(IETF_ATTR.TESTING, '')],
    ['IETF unassigned 13', ietf(13, '00')],
    ['IETF 0xffffffff', ietf(0xffffffff, '')],
  ])('%s → undefined', (_name, attr) => {
    expect(decodeIetfAttribute(attr)).toBeUndefined();
  });

  it('ignores reserved bits in Port Filter and reserved fields', () => {
    expect(decodeIetfAttribute(ietf(6, 'ff 06 0016'))).toEqual({ type: 'port-filter', entries: [{ blocked: true, protocol: 6, port: 22 }] });
    expect(decodeIetfAttribute(ietf(7, 'ffff 0000'))).toEqual({ type: 'installed-packages', packages: [] });
  });
});

const LAST_USE = Buffer.from('2026-11-23T09:00:00Z').toString('hex');

describe('IETF attributes: malformed values', () => {
  test.each<[string, number, string, number]>([
    ['Attribute Request: partial entry', 1, '00 000000 000000', 4],
    ['Attribute Request: reserved vendor', 1, '00 ffffff 00000001', 1],
    ['Product Information: too short', 2, '0025', 0],
    ['Product Information: bad UTF-8', 2, '002572 0000 ff', 5],
    ['Numeric Version: short', 3, '0000000c 00000004 00000001 0002', 14],
    ['Numeric Version: trailing byte', 3, '0000000c 00000004 00000001 0002 0003 00', 16],
    ['String Version: length past end', 4, '05 31322e34', 1],
    ['String Version: missing fields', 4, '00 00', 2],
    ['String Version: trailing byte', 4, '00 00 00 00', 3],
    ['String Version: bad UTF-8', 4, '00 01 c3 00', 2],
    ['Operational Status: status 4', 5, '04 01 0000 ' + LAST_USE, 0],
    ['Operational Status: result 9', 5, '03 09 0000 ' + LAST_USE, 1],
    ['Operational Status: short last use', 5, '03 01 0000 ' + LAST_USE.slice(0, -2), 4],
    ['Operational Status: last use not RFC 3339', 5, '03 01 0000 ' + Buffer.from('2026-11-23 09:00:00Z').toString('hex'), 4],
    ['Operational Status: trailing byte', 5, '03 01 0000 ' + LAST_USE + '00', 24],
    ['Port Filter: partial entry', 6, '00 06 00', 2],
    ['Installed Packages: no header', 7, '00', 0],
    ['Installed Packages: count 2, one entry', 7, '0000 0002 01 61 00', 2],
    ['Installed Packages: count 1, no entry', 7, '0000 0001', 2],
    ['Installed Packages: count 0, one entry', 7, '0000 0000 01 61 00', 2],
    ['Installed Packages: name length past end', 7, '0000 0001 05 61', 5],
    ['Installed Packages: missing version length', 7, '0000 0001 01 61', 6],
    ['PA-TNC Error: short', 8, '00 000000 0000', 4],
    ['Assessment Result: short', 9, '000000', 0],
    ['Assessment Result: long', 9, '00000000 00', 4],
    ['Remediation Instructions: short', 10, '00 000000', 4],
    ['Forwarding Enabled: 3', 11, '00000003', 0],
    ['Forwarding Enabled: long', 11, '00000001 00', 4],
    ['Factory Default Password Enabled: 2', 12, '00000002', 0],
    ['Factory Default Password Enabled: empty', 12, '', 0],
  ])('%s → Invalid Parameter', (_name, type, value, offset) => {
    const e = wireErrorOf(() => decodeIetfAttribute(ietf(type, value)));
    expect(e.layer).toBe('pa-tnc');
    expect(e.code).toBe(PA_ERROR.INVALID_PARAMETER);
    expect(e.offset).toBe(offset);
  });

  it('adds valueOffset to make the offset message-relative', () => {
    const e = wireErrorOf(() => decodeIetfAttribute(ietf(9, '000000'), 20));
    expect(e.offset).toBe(20);
    expect(e.message).toBe(wireErrorOf(() => decodeIetfAttribute(ietf(9, '000000'))).message);
  });

  test.each<[string, IetfAttribute]>([
    ['last use 19 bytes', { type: 'operational-status', status: 0, result: 0, lastUse: '2026-11-23T09:00:00' }],
    ['last use with millis', { type: 'operational-status', status: 0, result: 0, lastUse: '2026-11-23T09:00:00.000Z' }],
    ['string version > 255 bytes', { type: 'string-version', version: 'x'.repeat(256), build: '', config: '' }],
    ['package name 128 × 2-byte chars', { type: 'installed-packages', packages: [{ name: 'é'.repeat(128), version: '' }] }],
    ['port 65536', { type: 'port-filter', entries: [{ blocked: false, protocol: 6, port: 65536 }] }],
    ['reserved vendor request', { type: 'attribute-request', attributes: [{ vendor: 0xffffff, type: 1 }] }],
    ['forwarding 3', { type: 'forwarding-enabled', value: 3 as 0 }],
  ])('encoder refuses %s', (_name, attr) => {
    expect(() => encodeIetfAttribute(attr)).toThrow(RangeError);
  });
});

describe('IETF remediation parameters', () => {
  it('decodes type 1 URI and type 2 string', () => {
    const uri = decodeIetfAttribute(encodeIetfAttribute(remediationUri('https://kenneki.example/fix')));
    expect(uri).toMatchObject({ vendor: 0, paramsType: REMEDIATION_PARAMS.URI });
    expect(decodeRemediationUri((uri as { params: Uint8Array }).params)).toBe('https://kenneki.example/fix');
    const str = decodeIetfAttribute(encodeIetfAttribute(remediationString({ text: 'Update now', lang: 'en' })));
    expect(str).toMatchObject({ vendor: 0, paramsType: REMEDIATION_PARAMS.STRING });
    expect(decodeRemediationString((str as { params: Uint8Array }).params)).toEqual({ text: 'Update now', lang: 'en' });
  });

  test.each([
    ['string length past end', '00000007 6869 02 656e', 4],
    ['missing lang length', '00000002 6869', 6],
    ['lang past end', '00000002 6869 03 656e', 7],
    ['trailing byte', '00000002 6869 02 656e 00', 9],
  ])('type 2 %s → Invalid Parameter at %i', (_name, params, offset) => {
    const e = wireErrorOf(() => decodeRemediationString(hex(params)));
    expect(e.code).toBe(PA_ERROR.INVALID_PARAMETER);
    expect(e.offset).toBe(offset);
  });

  it('type 2 round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary-ascii', maxLength: 35 }), (text, lang) => {
        expect(decodeRemediationString(encodeRemediationString({ text, lang }))).toEqual({ text, lang });
      }),
    );
  });

  it('arbitrary params either decode or throw WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        for (const f of [decodeRemediationString, decodeRemediationUri]) {
          returnsOrWireError(() => f(b));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('IETF attributes: properties', () => {
  it('every attribute round-trips (alone and inside a PA-TNC message)', () => {
    fc.assert(
      fc.property(ietfAttributeArb, fc.boolean(), (a, noskip) => {
        const pa = encodeIetfAttribute(a, noskip);
        expect(decodeIetfAttribute(pa)).toEqual(a);
        const [back] = decodePaMessage(encodePaMessage({ version: 1, id: 1, attributes: [pa] })).attributes;
        expect(back!.noskip).toBe(noskip);
        expect(decodeIetfAttribute(back!)).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  // One round-trip property per kind, so a weak generator for one type cannot hide behind the rest.
  test.each(Object.keys(IETF_ATTRIBUTE_TYPES))('round-trips %s', (kind) => {
    fc.assert(
      fc.property(
        ietfAttributeArb.filter((a) => a.type === kind),
        (a) => {
          expect(decodeIetfAttribute(encodeIetfAttribute(a))).toEqual(a);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('last use values round-trip', () => {
    fc.assert(
      fc.property(lastUseArb, (lastUse) => {
        const a: IetfAttribute = { type: 'operational-status', status: 0, result: 0, lastUse };
        expect(decodeIetfAttribute(encodeIetfAttribute(a))).toEqual(a);
      }),
    );
  });

  it('arbitrary bytes for any IETF type either decode or throw WireError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 14 }), fc.uint8Array({ maxLength: 64 }), (type, value) => {
        returnsOrWireError(() => decodeIetfAttribute({ noskip: false, vendor: 0, type, value }));
      }),
      { numRuns: 2000 },
    );
  });

  it('structured-ish bytes (valid encodings with random bytes flipped) either decode or throw WireError', () => {
    fc.assert(
      fc.property(ietfAttributeArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (a, flips) => {
        const pa = encodeIetfAttribute(a);
        const value = Uint8Array.from(pa.value);
        if (value.length === 0) return;
        for (const [i, x] of flips) value[i % value.length]! ^= x;
        returnsOrWireError(() => decodeIetfAttribute({ ...pa, value }));
      }),
      { numRuns: 2000 },
    );
  });

  // Mutation: corrupt one byte of an inner length/count field. When the new length runs past the
  // data the decoder must throw; otherwise a re-framing can coincidentally parse (e.g. "\x01x" as
  // version then "" build → "" version then "x" build), so the sound claim is weaker: it either
  // throws WireError or yields something other than the original — never the original silently.
  function corrupted(f: () => unknown, original: unknown, mustThrow: boolean): void {
    let out: unknown;
    try {
      out = f();
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
      return;
    }
    expect(mustThrow).toBe(false);
    expect(out).not.toEqual(original);
  }

  it('String Version: a corrupted length byte → WireError (or never the original)', () => {
    const arb = ietfAttributeArb.filter((a): a is Extract<IetfAttribute, { type: 'string-version' }> => a.type === 'string-version');
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 255 }), (a, which, xor) => {
        const value = Uint8Array.from(encodeIetfAttribute(a).value);
        let at = 0;
        for (let i = 0; i < which; i++) at += 1 + value[at]!;
        value[at]! ^= xor;
        const pastEnd = value[at]! > value.length - at - 1;
        corrupted(() => decodeIetfAttribute({ noskip: false, vendor: 0, type: 4, value }), a, pastEnd || which === 2);
      }),
      { numRuns: 1000 },
    );
  });

  it('Installed Packages: a corrupted count byte → WireError', () => {
    const arb = ietfAttributeArb.filter((a) => a.type === 'installed-packages');
    fc.assert(
      fc.property(arb, fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 255 }), (a, byte, xor) => {
        const value = Uint8Array.from(encodeIetfAttribute(a).value);
        value[byte]! ^= xor;
        const e = wireErrorOf(() => decodeIetfAttribute({ noskip: false, vendor: 0, type: 7, value }));
        expect(e.offset).toBe(2);
      }),
      { numRuns: 1000 },
    );
  });

  it('Installed Packages: growing a length byte past the data → WireError', () => {
    const arb = ietfAttributeArb.filter(
      (a): a is Extract<IetfAttribute, { type: 'installed-packages' }> => a.type === 'installed-packages' && a.packages.length > 0,
    );
    fc.assert(
      fc.property(arb, (a) => {
        const value = Uint8Array.from(encodeIetfAttribute(a).value);
        // The last package's version length: make it claim one byte more than is there.
        const lastLenAt = value.length - 1 - Buffer.byteLength(a.packages[a.packages.length - 1]!.version);
        if (value[lastLenAt]! === 255) return;
        value[lastLenAt]! += 1;
        wireErrorOf(() => decodeIetfAttribute({ noskip: false, vendor: 0, type: 7, value }));
      }),
    );
  });

  it('Remediation string: a corrupted length byte → WireError (or never the original)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.string({ unit: 'binary-ascii', maxLength: 20 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 255 }),
        (text, lang, byte, xor) => {
          const params = Uint8Array.from(encodeRemediationString({ text, lang }));
          const textLen = Buffer.byteLength(text);
          const at = byte === 4 ? 4 + textLen : byte; // Len(32) bytes 0–3, or LangLen(8)
          params[at]! ^= xor;
          // The last length (LangLen) or a Len(32) that now exceeds the data cannot re-frame.
          const newLen = byte === 4 ? 0 : new DataView(params.buffer).getUint32(0);
          const mustThrow = byte === 4 || newLen > params.length - 5;
          corrupted(() => decodeRemediationString(params), { text, lang }, mustThrow);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

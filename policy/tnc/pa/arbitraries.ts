/**
 * fast-check arbitraries for PA-TNC messages and every IETF attribute, shared by the property
 * tests. Strings use full Unicode code points (no lone surrogates, which UTF-8 cannot carry) and
 * are kept short enough for the Len(8) fields.
 */
import fc from 'fast-check';
import type { IetfAttribute } from './ietf-attributes.js';
import type { PaAttribute, PaMessage } from './message.js';

const uint = (bits: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 2 ** bits - 1 });
/** Vendor ids a sender may use: 24-bit, but not the reserved 0xffffff. */
export const vendorArb = fc.integer({ min: 0, max: 0xfffffe });
/** ≤ 63 code points × 4 bytes ≤ 252: always fits a Len(8) field. */
export const shortText = fc.string({ unit: 'binary', maxLength: 63 });
export const longText = fc.string({ unit: 'binary', maxLength: 300 });
export const bytesArb = fc.uint8Array({ maxLength: 64 });

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
export const lastUseArb = fc.oneof(
  fc.constant('0000-00-00T00:00:00Z'),
  fc
    .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'))
    .filter((s) => s.length === 20),
  // Any digits: the codec checks the RFC 3339 shape, not calendar validity.
  fc.tuple(uint(13), uint(7), uint(7), uint(7), uint(7), uint(7)).map(
    ([y, mo, d, h, mi, s]) => `${pad(y % 10000, 4)}-${pad(mo % 100, 2)}-${pad(d % 100, 2)}T${pad(h % 100, 2)}:${pad(mi % 100, 2)}:${pad(s % 100, 2)}Z`,
  ),
);

export const ietfAttributeArb: fc.Arbitrary<IetfAttribute> = fc.oneof(
  fc.record({
    type: fc.constant('attribute-request' as const),
    attributes: fc.array(fc.record({ vendor: vendorArb, type: uint(32) }), { maxLength: 8 }),
  }),
  fc.record({ type: fc.constant('product-information' as const), vendorId: uint(24), productId: uint(16), name: longText }),
  fc.record({
    type: fc.constant('numeric-version' as const),
    major: uint(32),
    minor: uint(32),
    build: uint(32),
    servicePackMajor: uint(16),
    servicePackMinor: uint(16),
  }),
  fc.record({ type: fc.constant('string-version' as const), version: shortText, build: shortText, config: shortText }),
  fc.record({
    type: fc.constant('operational-status' as const),
    status: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
    result: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
    lastUse: lastUseArb,
  }),
  fc.record({
    type: fc.constant('port-filter' as const),
    entries: fc.array(fc.record({ blocked: fc.boolean(), protocol: uint(8), port: uint(16) }), { maxLength: 8 }),
  }),
  fc.record({
    type: fc.constant('installed-packages' as const),
    packages: fc.array(fc.record({ name: shortText, version: shortText }), { maxLength: 8 }),
  }),
  fc.record({ type: fc.constant('pa-tnc-error' as const), vendor: vendorArb, code: uint(32), info: bytesArb }),
  fc.record({ type: fc.constant('assessment-result' as const), result: uint(32) }),
  fc.record({ type: fc.constant('remediation-instructions' as const), vendor: vendorArb, paramsType: uint(32), params: bytesArb }),
  fc.record({ type: fc.constant('forwarding-enabled' as const), value: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  fc.record({ type: fc.constant('factory-default-password-enabled' as const), value: fc.constantFrom(0 as const, 1 as const) }),
);

export const paAttributeArb: fc.Arbitrary<PaAttribute> = fc.record({
  noskip: fc.boolean(),
  vendor: vendorArb,
  type: uint(32),
  value: bytesArb,
});

export const paMessageArb: fc.Arbitrary<PaMessage> = fc.record({
  version: fc.constant(1 as const),
  id: uint(32),
  attributes: fc.array(paAttributeArb, { maxLength: 6 }),
});

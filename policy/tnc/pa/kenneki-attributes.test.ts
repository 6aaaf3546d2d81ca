import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { FactValues } from '../../posture/facts.js';
import { PA_ERROR, WireError } from '../wire-error.js';
import { KENNEKI_ATTR, KENNEKI_VENDOR_ID } from './constants.js';
import {
  KENNEKI_FACT_TYPES,
  MAX_KENNEKI_VALUE_BYTES,
  decodeFactUnavailable,
  decodeKennekiFact,
  encodeFactUnavailable,
  decodeQuarantineRules,
  encodeKennekiFact,
  encodeQuarantineRules,
  kennekiFactOfType,
  type KennekiFactKey,
} from './kenneki-attributes.js';
import { decodePaMessage, encodePaMessage, type PaAttribute } from './message.js';

const V = KENNEKI_VENDOR_ID;
const name = fc.string({ minLength: 1, maxLength: 40 });
const time = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());

/** A valid value for every Kenneki fact type, as the HTTP schema defines it. */
const VALUE_ARBS: { [K in KennekiFactKey]: fc.Arbitrary<FactValues[K]> } = {
  antivirus: fc.record({
    products: fc.array(
      fc.record(
        {
          name,
          running: fc.boolean(),
          enabled: fc.boolean(),
          signaturesUpdatedAt: time,
          signatureAgeDays: fc.integer({ min: 0, max: 100_000 }),
          tamperProtected: fc.boolean(),
        },
        { requiredKeys: ['name', 'running', 'enabled'] },
      ),
      { maxLength: 4 },
    ),
  }),
  firewall: fc.record({ profiles: fc.array(fc.record({ name, enabled: fc.boolean() }), { maxLength: 3 }) }),
  diskEncryption: fc.record(
    {
      systemVolumeProtected: fc.boolean(),
      volumes: fc.array(fc.record({ name, encrypted: fc.boolean(), protected: fc.boolean(), system: fc.boolean() }), { maxLength: 3 }),
    },
    { requiredKeys: ['systemVolumeProtected'] },
  ),
  pendingUpdates: fc.record(
    {
      updates: fc.array(fc.record({ id: name, package: name, version: name, security: fc.boolean() }, { requiredKeys: ['id', 'security'] }), { maxLength: 5 }),
      rebootRequired: fc.boolean(),
    },
    { requiredKeys: ['updates'] },
  ),
  secureBoot: fc.boolean(),
  agent: fc.record({ name, version: fc.string({ minLength: 1, maxLength: 20 }) }),
};

const KEYS = Object.keys(KENNEKI_FACT_TYPES) as KennekiFactKey[];
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const attr = (type: number, value: Uint8Array | string): PaAttribute => ({ noskip: false, vendor: V, type, value: typeof value === 'string' ? utf8(value) : value });

/** Decodes expecting an Invalid Parameter; returns its message. */
function invalid(a: PaAttribute): string {
  try {
    decodeKennekiFact(a, V);
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    expect((e as WireError).layer).toBe('pa-tnc');
    expect((e as WireError).code).toBe(PA_ERROR.INVALID_PARAMETER);
    return (e as WireError).message;
  }
  throw new Error('expected a WireError');
}

test('attribute types are pinned: an agent built against them must keep working', () => {
  expect(KENNEKI_FACT_TYPES).toEqual({ antivirus: 1, firewall: 2, diskEncryption: 3, pendingUpdates: 4, secureBoot: 5, agent: 6 });
  expect(KENNEKI_ATTR.QUARANTINE_RULES).toBe(7);
  expect(KENNEKI_ATTR.FACT_UNAVAILABLE).toBe(8);
  // RFC 5612's documentation PEN: a placeholder no real vendor can own.
  expect(KENNEKI_VENDOR_ID).toBe(32473);
  for (const k of KEYS) expect(kennekiFactOfType(KENNEKI_FACT_TYPES[k])).toBe(k);
  expect(kennekiFactOfType(KENNEKI_ATTR.QUARANTINE_RULES)).toBeUndefined();
});

describe('round trip', () => {
  test.each(KEYS)('%s: encode → PA message → decode gives the value back', (key) => {
    fc.assert(
      fc.property(VALUE_ARBS[key] as fc.Arbitrary<never>, fc.integer({ min: 1, max: 0xfffffe }), (value, vendor) => {
        const a = encodeKennekiFact(vendor, key, value);
        expect(a).toMatchObject({ noskip: false, vendor, type: KENNEKI_FACT_TYPES[key] });
        const [back] = decodePaMessage(encodePaMessage({ version: 1, id: 1, attributes: [a] })).attributes;
        expect(decodeKennekiFact(back!, vendor)).toEqual({ key, value });
      }),
      { numRuns: 50 },
    );
  });

  test('quarantine rules round-trip', () => {
    const rules = { verdict: 'isolate' as const, allow: [{ host: 'updates.example.com', protocol: 'tcp' as const, ports: [443] }, { host: '10.0.0.0/8' }] };
    const a = encodeQuarantineRules(V, rules);
    expect(a).toMatchObject({ noskip: false, vendor: V, type: KENNEKI_ATTR.QUARANTINE_RULES });
    expect(decodeQuarantineRules(a)).toEqual(rules);
  });
});

describe('fact unavailable', () => {
  test('round-trips; any fact key, IETF-carried ones too', () => {
    const a = encodeFactUnavailable(KENNEKI_VENDOR_ID, { fact: 'packages', reason: 'dpkg-query: not found' });
    expect(a.type).toBe(8);
    expect(decodeFactUnavailable(a, KENNEKI_VENDOR_ID)).toEqual({ fact: 'packages', reason: 'dpkg-query: not found' });
    expect(decodeFactUnavailable(a, KENNEKI_VENDOR_ID + 1)).toBeUndefined();
  });

  test('an unknown fact name or an empty reason is an Invalid Parameter, never a crash', () => {
    for (const body of [{ fact: 'nonsense', reason: 'x' }, { fact: 'firewall', reason: '' }, { fact: 'firewall' }, 'text']) {
      const a = { noskip: false, vendor: KENNEKI_VENDOR_ID, type: 8, value: new TextEncoder().encode(JSON.stringify(body)) };
      expect(() => decodeFactUnavailable(a, KENNEKI_VENDOR_ID)).toThrow(WireError);
    }
  });
});

describe('decoding', () => {
  test('another vendor, or a type that is not a fact, is not ours: undefined', () => {
    const a = encodeKennekiFact(V, 'secureBoot', true);
    expect(decodeKennekiFact(a, V + 1)).toBeUndefined();
    expect(decodeKennekiFact({ ...a, type: 999 }, V)).toBeUndefined();
  });

  test.each([
    ['not JSON', attr(KENNEKI_ATTR.SECURE_BOOT, 'yes'), 'secureBoot: value is not UTF-8 JSON'],
    ['bad UTF-8', attr(KENNEKI_ATTR.SECURE_BOOT, Uint8Array.of(0xff, 0xfe)), 'secureBoot: value is not UTF-8 JSON'],
    ['a BOM before the JSON', attr(KENNEKI_ATTR.SECURE_BOOT, '\uFEFFtrue'), 'secureBoot: value is not UTF-8 JSON'],
    ['wrong type', attr(KENNEKI_ATTR.SECURE_BOOT, '"on"'), 'secureBoot: (root): must be a boolean'],
    ['nested wrong type', attr(KENNEKI_ATTR.FIREWALL, '{"profiles":[{"name":"Public","enabled":"yes"}]}'), 'firewall: profiles[0].enabled: must be a boolean'],
    ['unknown key', attr(KENNEKI_ATTR.DISK_ENCRYPTION, '{"systemVolumeProtected":true,"mood":1}'), 'diskEncryption: mood: unknown key'],
    ['missing key', attr(KENNEKI_ATTR.AGENT, '{"name":"kenneki-agent"}'), 'agent: version: is required'],
    ['bad date-time (same formats as HTTP)', attr(KENNEKI_ATTR.ANTIVIRUS, '{"products":[{"name":"D","running":true,"enabled":true,"signaturesUpdatedAt":"yesterday"}]}'), 'antivirus: products[0].signaturesUpdatedAt: must be a valid date-time'],
  ])('%s → Invalid Parameter naming the attribute and the problem', (_n, a, problem) => {
    expect(invalid(a)).toBe(`pa-tnc: Kenneki attribute ${problem}`);
  });

  test(`a value over ${MAX_KENNEKI_VALUE_BYTES} bytes is refused before it is parsed`, () => {
    expect(invalid(attr(KENNEKI_ATTR.SECURE_BOOT, new Uint8Array(MAX_KENNEKI_VALUE_BYTES + 1)))).toContain('exceeds');
  });

  test('encoding a value its schema rejects is our bug: RangeError', () => {
    expect(() => encodeKennekiFact(V, 'firewall', { profiles: [{ name: 'x', enabled: 'yes' }] } as never)).toThrow(RangeError);
  });

  test('garbage bytes (and garbage JSON) never throw anything but WireError', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).map((v) => utf8(JSON.stringify(v)));
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(KENNEKI_ATTR)), fc.oneof(fc.uint8Array({ maxLength: 256 }), json), (type, value) => {
        const a = attr(type, value);
        for (const run of [() => decodeKennekiFact(a, V), () => decodeQuarantineRules(a)]) {
          try {
            run();
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import type { Fact, OsFact, PostureFacts } from '../../posture/facts.js';
import { PA_ERROR, WireError } from '../wire-error.js';
import { ietfAttributeArb } from '../pa/arbitraries.js';
import { IETF_ATTR, ITA_HSR_DEVICE_ID_TYPE, VENDOR } from '../pa/constants.js';
import { encodeIetfAttribute, type IetfAttribute } from '../pa/ietf-attributes.js';
import type { PaAttribute } from '../pa/message.js';
import { mapOsAttributes, splitArchitecture } from './os-attributes.js';

const AT = '2026-11-23T08:00:00.000Z';
const MACHINE_ID = '4c2a1d7e9b0f4e8d8a6b3c5d7e9f0a1b';

const enc = (a: IetfAttribute): PaAttribute => encodeIetfAttribute(a);
const deviceId = (text: string): PaAttribute => ({
  noskip: false,
  vendor: VENDOR.ITA_HSR,
  type: ITA_HSR_DEVICE_ID_TYPE,
  value: new TextEncoder().encode(text),
});
const product = (vendorId: number, name: string, productId = 0): PaAttribute =>
  enc({ type: 'product-information', vendorId, productId, name });
const stringVersion = (version: string, build = '', config = ''): PaAttribute =>
  enc({ type: 'string-version', version, build, config });
const numericVersion = (major: number, minor: number): PaAttribute =>
  enc({ type: 'numeric-version', major, minor, build: 0, servicePackMajor: 0, servicePackMinor: 0 });
const forwarding = (value: 0 | 1 | 2): PaAttribute => enc({ type: 'forwarding-enabled', value });
const factoryPassword = (value: 0 | 1): PaAttribute => enc({ type: 'factory-default-password-enabled', value });
const operational: PaAttribute = enc({ type: 'operational-status', status: 3, result: 1, lastUse: '2026-11-20T07:12:00Z' });
const packages = (pkgs: { name: string; version: string }[]): PaAttribute => enc({ type: 'installed-packages', packages: pkgs });

const ok = <T>(value: T): Fact<T> => ({ status: 'ok', value, collectedAt: AT, source: 'nea-ietf' });
const unknown = (reason: RegExp) => ({ status: 'unknown', reason: expect.stringMatching(reason), collectedAt: AT, source: 'nea-ietf' });

/**
 * What strongSwan 5.9.8's OS IMC sends in its first PB-PA on a Debian 12 host, as seen from the
 * real client: String Version is /etc/os-release's VERSION_ID plus a space and `uname -m`.
 */
const DEBIAN_12: PaAttribute[] = [
  product(VENDOR.DEBIAN, 'Debian'),
  stringVersion('12 x86_64'),
  numericVersion(12, 0),
  operational,
  forwarding(0),
  factoryPassword(0),
  deviceId(`${MACHINE_ID}\n`),
];

describe('mapOsAttributes: whole client messages', () => {
  test.each<[string, PaAttribute[], PostureFacts]>([
    [
      'Debian 12 (strongSwan OS IMC)',
      DEBIAN_12,
      {
        os: ok<OsFact>({ family: 'linux', product: 'Debian', version: '12', arch: 'x86_64' }),
        ipForwarding: ok(false),
        factoryDefaultPassword: ok(false),
        deviceId: ok(MACHINE_ID),
      },
    ],
    [
      'Ubuntu 22.04 with kernel build, forwarding on',
      [product(VENDOR.CANONICAL, 'Ubuntu'), stringVersion('22.04', '5.15.0-91-generic'), forwarding(1), factoryPassword(1)],
      {
        os: ok<OsFact>({ family: 'linux', product: 'Ubuntu', version: '22.04', build: '5.15.0-91-generic' }),
        ipForwarding: ok(true),
        factoryDefaultPassword: ok(true),
      },
    ],
    [
      'Windows 11',
      [product(311, 'Windows 11 Pro'), stringVersion('10.0.22631.4317', '23H2')],
      { os: ok<OsFact>({ family: 'windows', product: 'Windows 11 Pro', version: '10.0.22631.4317', build: '23H2' }) },
    ],
    [
      'macOS',
      [product(63, 'macOS'), stringVersion('15.1')],
      { os: ok<OsFact>({ family: 'macos', product: 'macOS', version: '15.1' }) },
    ],
    [
      'Mac OS X',
      [product(63, 'Mac OS X'), stringVersion('10.15.7')],
      { os: ok<OsFact>({ family: 'macos', product: 'Mac OS X', version: '10.15.7' }) },
    ],
    [
      'unknown product of unknown vendor',
      [product(4242, 'Plan 9'), stringVersion('4')],
      { os: ok<OsFact>({ family: 'other', product: 'Plan 9', version: '4' }) },
    ],
    [
      'unknown name from a known vendor takes the vendor family',
      [product(VENDOR.DEBIAN, 'Devuan'), stringVersion('5')],
      { os: ok<OsFact>({ family: 'linux', product: 'Devuan', version: '5' }) },
    ],
    [
      'empty name: product from the vendor id (Debian)',
      [product(VENDOR.DEBIAN, ''), stringVersion('12')],
      { os: ok<OsFact>({ family: 'linux', product: 'Debian', version: '12' }) },
    ],
    [
      'empty name: product from the vendor id (Canonical)',
      [product(VENDOR.CANONICAL, '  '), stringVersion('24.04')],
      { os: ok<OsFact>({ family: 'linux', product: 'Ubuntu', version: '24.04' }) },
    ],
    [
      'empty name, unknown vendor',
      [product(4242, '', 7), stringVersion('1')],
      { os: ok<OsFact>({ family: 'other', product: 'unknown product 7 of vendor 4242', version: '1' }) },
    ],
    [
      'no String Version: Numeric Version major.minor',
      [numericVersion(12, 0), product(VENDOR.DEBIAN, 'Debian')],
      { os: ok<OsFact>({ family: 'linux', product: 'Debian', version: '12.0' }) },
    ],
    [
      'empty String Version: Numeric Version major.minor',
      [product(VENDOR.DEBIAN, 'Debian'), stringVersion(''), numericVersion(11, 9)],
      { os: ok<OsFact>({ family: 'linux', product: 'Debian', version: '11.9' }) },
    ],
    ['nothing about the OS: no os fact', [forwarding(0)], { ipForwarding: ok(false) }],
    ['empty message', [], {}],
  ])('%s', (_name, attrs, facts) => {
    expect(mapOsAttributes(attrs, AT).facts).toEqual(facts);
  });
});

describe('mapOsAttributes: single facts', () => {
  test.each<[string, PaAttribute[], Partial<PostureFacts>]>([
    ['forwarding disabled', [forwarding(0)], { ipForwarding: ok(false) }],
    ['forwarding enabled', [forwarding(1)], { ipForwarding: ok(true) }],
    ['forwarding unknown', [forwarding(2)], { ipForwarding: unknown(/unknown/) as Fact<boolean> }],
    ['factory default password off', [factoryPassword(0)], { factoryDefaultPassword: ok(false) }],
    ['factory default password on', [factoryPassword(1)], { factoryDefaultPassword: ok(true) }],
    ['product without version', [product(VENDOR.DEBIAN, 'Debian')], { os: unknown(/no version/) as Fact<OsFact> }],
    ['version without product', [stringVersion('12')], { os: unknown(/no Product Information/) as Fact<OsFact> }],
    ['device id is trimmed', [deviceId(`  ${MACHINE_ID}\r\n`)], { deviceId: ok(MACHINE_ID) }],
    ['device id of 128 characters', [deviceId('é'.repeat(128))], { deviceId: ok('é'.repeat(128)) }],
    ['device id over 128 characters', [deviceId('a'.repeat(129))], { deviceId: unknown(/longer than 128/) as Fact<string> }],
    ['empty device id', [deviceId(' \n')], { deviceId: unknown(/empty/) as Fact<string> }],
  ])('%s', (_name, attrs, facts) => {
    expect(mapOsAttributes(attrs, AT).facts).toEqual(facts);
  });
});

describe('mapOsAttributes: Installed Packages', () => {
  const many = Array.from({ length: 300 }, (_, i) => ({ name: `lib-package-${i}`, version: `1.${i}.0-${i % 7}+deb12u1` }));

  it('maps a few hundred packages', () => {
    const { facts } = mapOsAttributes([packages(many)], AT);
    expect(facts.packages).toEqual(ok({ manager: 'nea-ietf', packages: many }));
  });

  it('concatenates an inventory split over several attributes, in order', () => {
    const { facts, ignored } = mapOsAttributes([packages(many.slice(0, 120)), packages(many.slice(120))], AT);
    expect(facts.packages).toEqual(ok({ manager: 'nea-ietf', packages: many }));
    expect(ignored).toEqual([]);
  });

  it('an empty inventory is a fact: no packages', () => {
    expect(mapOsAttributes([packages([])], AT).facts.packages).toEqual(ok({ manager: 'nea-ietf', packages: [] }));
  });
});

describe('mapOsAttributes: ignored attributes', () => {
  test.each<[string, PaAttribute, RegExp]>([
    ['other vendor', { noskip: false, vendor: 0x123456, type: 1, value: Uint8Array.of(1, 2, 3) }, /vendor 1193046/],
    ['NOSKIP other vendor (the caller answers it)', { noskip: true, vendor: VENDOR.TCG, type: 37, value: new Uint8Array() }, /not mapped/],
    ['ITA-HSR other type', { noskip: false, vendor: VENDOR.ITA_HSR, type: 9, value: Uint8Array.of(0xff) }, /not mapped/],
    ['IETF Testing', { noskip: false, vendor: VENDOR.IETF, type: IETF_ATTR.TESTING, value: Uint8Array.of(0xff) }, /not mapped/],
    ['IETF unassigned type', { noskip: false, vendor: VENDOR.IETF, type: 99, value: new Uint8Array() }, /not mapped/],
    ['Operational Status', operational, /Operational Status/],
    ['Port Filter', enc({ type: 'port-filter', entries: [{ blocked: true, protocol: 6, port: 22 }] }), /Port Filter/],
    ['Assessment Result', enc({ type: 'assessment-result', result: 0 }), /validators/],
  ])('%s', (_name, attr, reason) => {
    const { facts, ignored } = mapOsAttributes([attr, forwarding(0)], AT);
    expect(ignored).toEqual([{ vendor: attr.vendor, type: attr.type, reason: expect.stringMatching(reason) }]);
    expect(facts).toEqual({ ipForwarding: ok(false) });
  });

  it('the Debian 12 message ignores only Operational Status', () => {
    expect(mapOsAttributes(DEBIAN_12, AT).ignored).toEqual([
      { vendor: VENDOR.IETF, type: IETF_ATTR.OPERATIONAL_STATUS, reason: expect.any(String) },
    ]);
  });

  it('duplicates keep the first value and list the rest', () => {
    const { facts, ignored } = mapOsAttributes([forwarding(1), forwarding(0), deviceId('first'), deviceId('second')], AT);
    expect(facts).toEqual({ ipForwarding: ok(true), deviceId: ok('first') });
    expect(ignored.map((i) => [i.vendor, i.type])).toEqual([
      [VENDOR.IETF, IETF_ATTR.FORWARDING_ENABLED],
      [VENDOR.ITA_HSR, ITA_HSR_DEVICE_ID_TYPE],
    ]);
  });
});

describe('mapOsAttributes: malformed attributes throw the codec WireError', () => {
  const ietf = (type: number, value: number[]): PaAttribute => ({ noskip: false, vendor: VENDOR.IETF, type, value: Uint8Array.from(value) });
  test.each<[string, PaAttribute]>([
    ['forwarding value 3', ietf(IETF_ATTR.FORWARDING_ENABLED, [0, 0, 0, 3])],
    ['forwarding too short', ietf(IETF_ATTR.FORWARDING_ENABLED, [0, 0])],
    ['factory password value 2', ietf(IETF_ATTR.FACTORY_DEFAULT_PASSWORD_ENABLED, [0, 0, 0, 2])],
    ['string version length past the end', ietf(IETF_ATTR.STRING_VERSION, [5, 0x31])],
    ['product information too short', ietf(IETF_ATTR.PRODUCT_INFORMATION, [0, 0x25])],
    ['product name invalid UTF-8', ietf(IETF_ATTR.PRODUCT_INFORMATION, [0, 0x25, 0x72, 0, 0, 0xc3])],
    ['package count disagrees', ietf(IETF_ATTR.INSTALLED_PACKAGES, [0, 0, 0, 2, 1, 0x61, 1, 0x31])],
    ['malformed unmapped type (Operational Status) still throws', ietf(IETF_ATTR.OPERATIONAL_STATUS, [3, 1, 0, 0])],
    ['device id invalid UTF-8', { noskip: false, vendor: VENDOR.ITA_HSR, type: ITA_HSR_DEVICE_ID_TYPE, value: Uint8Array.of(0x61, 0xff) }],
  ])('%s', (_name, bad) => {
    let caught: unknown;
    try {
      mapOsAttributes([...DEBIAN_12.slice(0, 2), bad], AT);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WireError);
    expect((caught as WireError).layer).toBe('pa-tnc');
    expect((caught as WireError).code).toBe(PA_ERROR.INVALID_PARAMETER);
  });
});

describe('mapOsAttributes: properties', () => {
  const deviceIdArb = fc.string({ unit: 'binary', maxLength: 200 }).map(deviceId);
  const attrsArb = fc.array(fc.oneof({ weight: 4, arbitrary: ietfAttributeArb.map(enc) }, { weight: 1, arbitrary: deviceIdArb }), {
    maxLength: 12,
  });

  it('never throws on valid attributes; every fact is nea-ietf with the given time', () => {
    fc.assert(
      fc.property(attrsArb, (attrs) => {
        const { facts, ignored } = mapOsAttributes(attrs, AT);
        for (const f of Object.values(facts)) {
          expect(f.source).toBe('nea-ietf');
          expect(f.collectedAt).toBe(AT);
        }
        // Only attributes that were sent can be listed as ignored.
        expect(ignored.length).toBeLessThanOrEqual(attrs.length);
        const os = facts.os;
        if (os?.status === 'ok') expect(['linux', 'windows', 'macos', 'other']).toContain(os.value.family);
        const id = facts.deviceId;
        if (id?.status === 'ok') {
          expect(id.value).toBe(id.value.trim());
          expect([...id.value].length).toBeLessThanOrEqual(128);
        }
      }),
    );
  });
});

describe('splitArchitecture', () => {
  test.each([
    ['12 x86_64', { version: '12', arch: 'x86_64' }],
    ['22.04 aarch64', { version: '22.04', arch: 'aarch64' }],
    ['11 armhf', { version: '11', arch: 'armhf' }],
    ['  12  x86_64 ', { version: '12', arch: 'x86_64' }],
    // Not an architecture we know: the version stays whole rather than losing a word.
    ['10.0.22631 Enterprise', { version: '10.0.22631 Enterprise' }],
    ['12', { version: '12' }],
    ['x86_64', { version: 'x86_64' }],
  ])('%j', (input, expected) => {
    expect(splitArchitecture(input)).toEqual(expected);
  });
});

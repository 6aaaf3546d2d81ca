/**
 * Every parser reads what a host printed, and a host can print anything: a parser either returns a
 * value the server's schema accepts, or throws FactUnavailable. Nothing else may escape (it would
 * still become `unknown` in the runner, but as a bug, not a reason).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FactUnavailable, type CollectedFactKey } from '../../contract.js';
import { schemaErrors } from '../fact-schema.test-helper.js';
import { fixture } from '../fixtures.test-helper.js';
import { parseAvServices } from './av-services.js';
import { parseBitLockerVolumes } from './bitlocker-volume.js';
import { parseDefenderStatus } from './defender.js';
import { parseFirewall } from './firewall.js';
import { parseIpForwarding } from './ip-forwarding.js';
import { parseMachineGuid } from './machine-guid.js';
import { parseManageBde } from './manage-bde.js';
import { parseOs } from './os.js';
import { parsePackages } from './packages.js';
import { parsePendingUpdates } from './pending-updates.js';
import { parseSecureBoot } from './secure-boot.js';
import { parseSecurityCenter } from './security-center.js';

/** Values near the ones the parsers look for, and the ones that break naive code. */
const nearMiss = fc.constantFrom(
  'True', 'False', 'true', '1', 'Enabled', 'Disabled', 'Running', 'Automatic', 'Manual', 'On', 'Off', 'FullyEncrypted',
  'OperatingSystem', 'NotConfigured', 'Domain', 'Private', 'Public', 'WinDefend', 'Passive Mode', 'Product',
  '0fa1201d-4330-4fa8-8ae9-b877473b6441', '/Date(1732085523000)/', '/Date(-11644473600000)/', '/Date(999999999999999)/',
  '/Date(1732085523000+0100)/', '9999-12-31T23:59:59-14:00', '2024-13-45T99:99:99Z', '2024-11-17T04:12:55', 'constructor', '__proto__',
  'System.PlatformNotSupportedException', 'Access was denied', '5046633', 'KB', '22631', '6.3',
);
const scalar = fc.oneof(
  nearMiss,
  fc.string(),
  fc.string({ unit: 'binary', minLength: 240, maxLength: 400 }),
  fc.integer(),
  fc.integer({ min: 0, max: 0xffffff }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));

/** Objects with the keys a parser reads (some missing), alone or as a list: ConvertTo-Json's shapes. */
const shaped = (keys: string[], v: fc.Arbitrary<unknown> = value) =>
  fc.oneof(fc.dictionary(fc.constantFrom(...keys), v, { maxKeys: keys.length }), fc.array(fc.dictionary(fc.constantFrom(...keys), v, { maxKeys: keys.length }), { maxLength: 6 }));

const DELETE = Symbol('delete');

/**
 * A recorded output with some of its values replaced by arbitrary ones or removed, at any depth:
 * input that gets past a parser's first checks, which purely random objects rarely do.
 */
function mutate(base: unknown): fc.Arbitrary<unknown> {
  const swap = <T>(keep: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: keep }, { weight: 1, arbitrary: value }, { weight: 1, arbitrary: fc.constant(DELETE) });
  if (Array.isArray(base)) {
    return fc.tuple(...base.map((b) => swap(mutate(b)))).map((items) => {
      const kept = items.filter((i) => i !== DELETE);
      return kept;
    });
  }
  if (typeof base === 'object' && base !== null) {
    const entries = Object.entries(base);
    return fc.tuple(...entries.map(([, v]) => swap(mutate(v)))).map((vs) => Object.fromEntries(entries.map(([k], i) => [k, vs[i]]).filter(([, v]) => v !== DELETE)));
  }
  return fc.constant(base);
}

/** A mutated fixture, sometimes unwrapped from a one-element list as ConvertTo-Json would. */
const mutatedFixture = (...paths: string[]) =>
  fc.oneof(...paths.map((path) => fc.tuple(mutate(JSON.parse(fixture(path)) as unknown), fc.boolean()).map(([v, unwrap]) => (unwrap && Array.isArray(v) && v.length === 1 ? v[0] : v))));

const updates = fc.record(
  {
    RebootRequired: value,
    Updates: fc.oneof(value, shaped(['UpdateID', 'Title', 'KBArticleIDs', 'MsrcSeverity', 'Categories'], fc.oneof(value, shaped(['Name', 'CategoryID', 'Type'])))),
  },
  { requiredKeys: [] },
);

const bdeText = fc
  .array(
    fc.oneof(
      fc.constantFrom('Volume C: [OSDisk]', 'Volume D:', '[OS Volume]', '[Data Volume]', '', 'Volume  [x]'),
      fc.tuple(fc.constantFrom('Conversion Status', 'Protection Status', 'Size', 'X'), fc.oneof(fc.string(), fc.constantFrom('Fully Encrypted', 'Protection On', 'Used Space Only Encrypted'))).map(([k, v]) => `    ${k}:    ${v}`),
      fc.string(),
    ),
    { maxLength: 12 },
  )
  .map((lines) => lines.join('\r\n'));

const json = (...a: fc.Arbitrary<unknown>[]) => fc.oneof(...a).map((v) => JSON.stringify(v) ?? '');

/** manage-bde's recorded text, lines dropped or replaced, values changed. */
const mutatedBde = (...paths: string[]) =>
  fc.oneof(
    ...paths.map((path) =>
      fc.tuple(...fixture(path).split('\r\n').map((line) => fc.oneof({ weight: 6, arbitrary: fc.constant(line) }, { weight: 1, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.constant(line.replace(/:\s+.*$/, ': ')) }))).map((lines) => lines.join('\r\n')),
    ),
  );

/** Parser, the fact its value is (or becomes), and structured input beside raw strings. */
const PARSERS: { name: string; parse: (s: string) => unknown; fact: CollectedFactKey; asFact?: (v: unknown) => unknown; input: fc.Arbitrary<string> }[] = [
  { name: 'os', parse: parseOs, fact: 'os', input: json(shaped(['ProductName', 'CurrentBuild', 'CurrentBuildNumber', 'CurrentMajorVersionNumber', 'CurrentMinorVersionNumber', 'CurrentVersion', 'UBR', 'DisplayVersion', 'ReleaseId', 'Architecture']), mutatedFixture('os/win11-23h2-pro.json', 'os/server-2022-datacenter.json')) },
  { name: 'packages', parse: parsePackages, fact: 'packages', input: json(shaped(['DisplayName', 'DisplayVersion']), mutatedFixture('packages/win11-laptop.json')) },
  { name: 'pending updates', parse: parsePendingUpdates, fact: 'pendingUpdates', input: json(updates, mutatedFixture('pending-updates/win11-four-pending.json', 'pending-updates/ja-locale.json')) },
  {
    name: 'Security Center',
    parse: parseSecurityCenter,
    fact: 'antivirus',
    // The parser's products, as the collector turns them into the fact (names are what matter).
    asFact: (v) => ({ products: (v as { name: string }[]).map((p) => ({ name: p.name, running: true, enabled: true })) }),
    input: json(shaped(['displayName', 'productState', 'pathToSignedProductExe']), mutatedFixture('security-center/defender-and-eset.json')),
  },
  { name: 'Defender', parse: parseDefenderStatus, fact: 'antivirus', asFact: (v) => ({ products: [v] }), input: json(shaped(['AMServiceEnabled', 'AntivirusEnabled', 'RealTimeProtectionEnabled', 'AMRunningMode', 'AntivirusSignatureAge', 'AntivirusSignatureLastUpdated', 'IsTamperProtected']), mutatedFixture('defender/win11-ps51.json', 'defender/server-2022-ps7.json')) },
  { name: 'antivirus services', parse: parseAvServices, fact: 'antivirus', asFact: (v) => ({ products: v }), input: json(shaped(['Name', 'DisplayName', 'Status', 'StartType']), mutatedFixture('av-services/server-crowdstrike.json')) },
  { name: 'firewall', parse: parseFirewall, fact: 'firewall', input: json(shaped(['Name', 'Enabled']), mutatedFixture('firewall/all-on.json', 'firewall/ps51-numeric.json')) },
  { name: 'Get-BitLockerVolume', parse: parseBitLockerVolumes, fact: 'diskEncryption', input: json(shaped(['MountPoint', 'VolumeType', 'VolumeStatus', 'ProtectionStatus']), mutatedFixture('bitlocker-volume/encrypted-protection-off.json')) },
  { name: 'manage-bde', parse: parseManageBde, fact: 'diskEncryption', input: fc.oneof(bdeText, mutatedBde('manage-bde/protected.txt', 'manage-bde/not-encrypted-two-volumes.txt')) },
  { name: 'IP forwarding', parse: parseIpForwarding, fact: 'ipForwarding', input: json(shaped(['InterfaceAlias', 'Forwarding']), mutatedFixture('ip-forwarding/laptop.json')) },
  { name: 'secure boot', parse: parseSecureBoot, fact: 'secureBoot', input: json(shaped(['SecureBoot', 'Error', 'Message']), mutatedFixture('secure-boot/legacy-bios.json', 'secure-boot/on.json')) },
  { name: 'MachineGuid', parse: parseMachineGuid, fact: 'deviceId', input: fc.oneof(fc.uuid().map((u) => `{${u.toUpperCase()}}\r\n`), fc.string()) },
];

function holds(p: (typeof PARSERS)[number], out: string): void {
  let v: unknown;
  try {
    v = p.parse(out);
  } catch (e) {
    expect(e).toBeInstanceOf(FactUnavailable);
    return;
  }
  expect(schemaErrors(p.fact, p.asFact ? p.asFact(v) : v)).toEqual([]);
}

describe.each(PARSERS)('$name parser', (p) => {
  test('arbitrary text: a valid value or FactUnavailable', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (out) => holds(p, out)), { numRuns: 300 });
  });

  test('arbitrary JSON of the expected shape: a valid value or FactUnavailable', () => {
    fc.assert(fc.property(p.input, (out) => holds(p, out)), { numRuns: 500 });
  });
});

/**
 * Every parser against arbitrary text: it returns a value the server's schema accepts, or throws
 * FactUnavailable; nothing else (TypeError, RangeError, a schema-invalid value) may come out.
 * The text mixes pure noise with fragments of the real formats, so the generators reach past
 * the first "not my format" check.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FactUnavailable, type CollectedFactKey } from '../../contract.js';
import { factSchemaErrors } from '../testing/fact-schema.js';
import { fixture } from '../testing/fixtures.js';
import { parseAptSimulate } from './apt-simulate.js';
import { clamavProduct } from './clamav.js';
import { parseDnfCheckUpdate, parseDnfSecurity } from './dnf-updates.js';
import { parseDpkgQuery } from './dpkg-query.js';
import { parseFirewalldState, parseIptablesInput, parseUfwStatus } from './firewall-text.js';
import { parseLsblk } from './lsblk.js';
import { parseMachineId } from './machine-id.js';
import { parseMdatpHealth } from './mdatp-health.js';
import { parseNftRuleset } from './nft-ruleset.js';
import { toOsFact } from './os-release.js';
import { parseProcFlag } from './proc-flag.js';
import { parseRpmQa } from './rpm-qa.js';
import { parseMokutilSbState, parseSecureBootVar } from './secure-boot.js';

const FIXTURE_FILES = [
  'os-release.debian12.txt', 'os-release.rhel9.txt', 'dpkg-query.debian12.txt', 'rpm-qa.rhel9.txt',
  'apt-get-simulate.ubuntu2204.txt', 'dnf-check-update.rhel9.txt', 'dnf-updateinfo-security.rhel9.txt',
  'mdatp-health.txt', 'iptables-input.rhel7.txt', 'ufw-status.active.txt',
];
const FRAGMENTS = [
  ...FIXTURE_FILES.flatMap((f) => fixture(f).split('\n')),
  ...FIXTURE_FILES.flatMap((f) => fixture(f).split(/\s+/)),
  'Inst ', ' [', '] (', ')', 'ii ', 'hi ', '\t', '(none)', '"', "'", '\\', '=', 'ID=', 'VERSION_ID=', '-security',
  'Status: active', 'SecureBoot enabled', '0 upgraded, 0 newly installed', '/Sec.', '.x86_64', ':', ' : ', 'true', 'false',
  'definitions_updated_minutes_ago : ', '99999999999', '-P INPUT DROP', '-A INPUT -j DROP', '\u0000', '\uFFFD', '𝔘',
];

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 20 })), { maxLength: 40 }).chain((parts) =>
    fc.constantFrom('', ' ', '\n', '\t').map((sep) => parts.join(sep)),
  ),
);

/** JSON-shaped noise for the JSON parsers, with the keys they look for. */
const jsonText = fc
  .letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, true, 0, -1, '', '/', 'crypt', 'input', 'drop', 'reject', 'inet', 'lvm', 'loop', '[SWAP]'),
      fc.string({ maxLength: 300 }),
      fc.array(tie('node'), { maxLength: 5 }),
      fc.dictionary(
        fc.constantFrom('blockdevices', 'children', 'name', 'type', 'mountpoint', 'mountpoints', 'nftables', 'chain', 'rule', 'hook', 'family', 'table', 'policy', 'expr', 'drop', 'reject', 'counter', 'match', '__proto__', 'constructor'),
        tie('node'),
        { maxKeys: 6 },
      ),
    ),
  }))
  .node.map((v) => JSON.stringify(v) ?? 'null');

const dates = fc.array(fc.option(fc.date({ noInvalidDate: false }), { nil: undefined }), { maxLength: 3 });

interface Case {
  name: string;
  fact?: CollectedFactKey;
  input: fc.Arbitrary<string>;
  parse: (t: string) => unknown;
}

const cases: Case[] = [
  { name: 'toOsFact', fact: 'os', input: text, parse: (t) => toOsFact(t, t.slice(0, 20), { release: t.slice(5, 60), machine: t.slice(0, 10) }) },
  { name: 'parseDpkgQuery', fact: 'packages', input: text, parse: parseDpkgQuery },
  { name: 'parseRpmQa', fact: 'packages', input: text, parse: parseRpmQa },
  { name: 'parseAptSimulate', fact: 'pendingUpdates', input: text, parse: (t) => ({ updates: parseAptSimulate(t) }) },
  { name: 'parseDnfCheckUpdate', fact: 'pendingUpdates', input: text, parse: (t) => ({ updates: parseDnfCheckUpdate(t, parseDnfSecurity(t)) }) },
  { name: 'parseMdatpHealth', fact: 'antivirus', input: text, parse: (t) => ({ products: [parseMdatpHealth(t, new Date('2026-11-23T00:00:00Z'))] }) },
  { name: 'parseUfwStatus', fact: 'firewall', input: text, parse: (t) => ({ profiles: [{ name: 'ufw', enabled: parseUfwStatus(t) }] }) },
  { name: 'parseFirewalldState', fact: 'firewall', input: text, parse: (t) => ({ profiles: [{ name: 'firewalld', enabled: parseFirewalldState(t) }] }) },
  { name: 'parseIptablesInput', fact: 'firewall', input: text, parse: (t) => ({ profiles: [{ name: 'iptables', enabled: parseIptablesInput(t) }] }) },
  { name: 'parseNftRuleset (text)', fact: 'firewall', input: text, parse: (t) => ({ profiles: [{ name: 'nftables', enabled: parseNftRuleset(t) }] }) },
  { name: 'parseNftRuleset (JSON)', fact: 'firewall', input: jsonText, parse: (t) => ({ profiles: [{ name: 'nftables', enabled: parseNftRuleset(t) }] }) },
  { name: 'parseLsblk (text)', fact: 'diskEncryption', input: text, parse: parseLsblk },
  { name: 'parseLsblk (JSON)', fact: 'diskEncryption', input: jsonText, parse: parseLsblk },
  { name: 'parseProcFlag', fact: 'ipForwarding', input: text, parse: (t) => parseProcFlag(t, 'ip_forward') },
  { name: 'parseMokutilSbState', fact: 'secureBoot', input: text, parse: parseMokutilSbState },
  { name: 'parseSecureBootVar', fact: 'secureBoot', input: text, parse: parseSecureBootVar },
  { name: 'parseMachineId', fact: 'deviceId', input: text, parse: parseMachineId },
];

describe('parsers never fail but with FactUnavailable, never return a schema-invalid value', () => {
  test.each(cases)('$name', ({ fact, input, parse }) => {
    fc.assert(
      fc.property(input, (t) => {
        let value: unknown;
        try {
          value = parse(t);
        } catch (e) {
          if (e instanceof FactUnavailable) return;
          throw e;
        }
        if (fact !== undefined) expect(factSchemaErrors(fact, value)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  test('clamavProduct: any process names and mtimes (invalid dates included)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('clamd', 'freshclam', ' clamd\n'), fc.string())), dates, (names, times) => {
        const p = clamavProduct(names, times);
        expect(factSchemaErrors('antivirus', { products: p === undefined ? [] : [p] })).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});

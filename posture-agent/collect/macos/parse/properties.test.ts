/**
 * Every parser, fed anything: it returns a value the server's schema accepts, or throws
 * FactUnavailable; nothing else may escape (a collector must never crash the agent, nor ship a
 * value ingestion would reject). Inputs mix random text with lines of the recorded fixtures, so
 * the properties reach past the first "no match" branch.
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { FactKey } from '../../../../policy/posture/facts.js';
import { FactUnavailable } from '../../contract.js';
import { FixtureHost } from '../../fixture-host.js';
import { antivirusCollector } from '../collectors/antivirus.js';
import { osCollector } from '../collectors/os.js';
import { XPROTECT_PLIST_LEGACY } from '../commands.js';
import { schemaErrors } from '../testing/fact-schema.js';
import { fixture, fixturePath } from '../testing/fixtures.js';
import { parseCsrutilStatus } from './csrutil.js';
import { parseFdesetupStatus } from './fdesetup.js';
import { parseAlfGlobalState, parseSocketFilterGlobalState } from './firewall-state.js';
import { parseIoregPlatformUuid } from './ioreg.js';
import { parseSoftwareUpdateList } from './softwareupdate.js';
import { parseSysctlFlag } from './sysctl-flag.js';
import { parseApplications } from './system-profiler-apps.js';

const RUNS = { numRuns: 300 };

const fixtureLines: string[] = readdirSync(fixturePath(''), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(fixturePath(d.name)).map((f) => fixture(`${d.name}/${f}`)))
  .flatMap((text) => text.split('\n'));

/** A fixture line cut anywhere and continued with junk: reaches the branches after a matched prefix. */
const editedLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...fixtureLines),
    fc.nat(),
    // Long printable junk too, to push fields past the schema's length limits.
    fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ minLength: 240, maxLength: 600 })),
  )
  .map(([line, cut, junk]) => line.slice(0, cut % (line.length + 1)) + junk);

/** Random text, or fixture lines shuffled with random ones and random edits. */
const text: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc
    .array(fc.oneof(fc.constantFrom(...fixtureLines), editedLine, fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 300 })), { maxLength: 30 })
    .map((lines) => lines.join('\n')),
);

/** Hostile system_profiler JSON: right shape, wrong everything else. */
const appsJson: fc.Arbitrary<string> = fc
  .array(fc.record({ _name: fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.jsonValue()), version: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.jsonValue()) }, { requiredKeys: [] }), { maxLength: 30 })
  .map((items) => JSON.stringify({ SPApplicationsDataType: items }));

function holds(fact: FactKey, parse: () => unknown): void {
  let value: unknown;
  try {
    value = parse();
  } catch (e) {
    expect(e).toBeInstanceOf(FactUnavailable);
    return;
  }
  expect(schemaErrors(fact, value)).toBeUndefined();
}

async function holdsAsync(fact: FactKey, collect: () => Promise<unknown>): Promise<void> {
  let value: unknown;
  try {
    value = await collect();
  } catch (e) {
    expect(e).toBeInstanceOf(FactUnavailable);
    return;
  }
  expect(schemaErrors(fact, value)).toBeUndefined();
}

describe('parsers never throw anything but FactUnavailable, never return what the schema rejects', () => {
  test('system_profiler apps', () => {
    fc.assert(fc.property(fc.oneof(text, appsJson), (t) => holds('packages', () => ({ manager: 'system_profiler', packages: parseApplications(t) }))), RUNS);
  });
  test('softwareupdate -l', () => {
    fc.assert(
      fc.property(text, fc.option(fc.integer({ min: -5, max: 200 }), { nil: undefined }), (t, osMajor) =>
        holds('pendingUpdates', () => parseSoftwareUpdateList(t, osMajor === undefined ? {} : { osMajor })),
      ),
      RUNS,
    );
  });
  test('socketfilterfw and com.apple.alf', () => {
    fc.assert(fc.property(text, (t) => holds('firewall', () => ({ profiles: [{ name: 'default', enabled: parseSocketFilterGlobalState(t) }] }))), RUNS);
    fc.assert(fc.property(text, (t) => holds('firewall', () => ({ profiles: [{ name: 'default', enabled: parseAlfGlobalState(t) }] }))), RUNS);
  });
  test('fdesetup status', () => {
    fc.assert(fc.property(text, (t) => holds('diskEncryption', () => parseFdesetupStatus(t))), RUNS);
  });
  test('sysctl', () => {
    fc.assert(fc.property(text, (t) => holds('ipForwarding', () => parseSysctlFlag(t))), RUNS);
  });
  test('csrutil status', () => {
    fc.assert(fc.property(text, (t) => holds('secureBoot', () => parseCsrutilStatus(t))), RUNS);
  });
  test('ioreg', () => {
    fc.assert(fc.property(text, (t) => holds('deviceId', () => parseIoregPlatformUuid(t))), RUNS);
  });

  // sw_vers, uname and the XProtect parsers yield parts of a fact: held to it through their collectors.
  test('sw_vers and uname -m, through the os collector', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, (sw, uname) =>
        holdsAsync('os', () => osCollector.collect(new FixtureHost({ platform: 'macos', commands: { 'macos.sw-vers': { stdout: sw }, 'macos.uname-machine': { stdout: uname } } }))),
      ),
      RUNS,
    );
  });
  test('xprotect version, Info.plist and defaults read, through the antivirus collector', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, text, fc.date({ noInvalidDate: false }), (tool, plist, defaults, mtime) =>
        holdsAsync('antivirus', () =>
          antivirusCollector.collect(
            new FixtureHost({
              platform: 'macos',
              commands: { 'macos.xprotect-version': { stdout: tool }, 'macos.xprotect-defaults': { stdout: defaults } },
              files: { [XPROTECT_PLIST_LEGACY]: plist },
              mtimes: Number.isNaN(mtime.getTime()) ? { [XPROTECT_PLIST_LEGACY]: 'garbage' } : { [XPROTECT_PLIST_LEGACY]: mtime.toISOString() },
            }),
          ),
        ),
      ),
      RUNS,
    );
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isKennekiError } from '../errors.js';
import { importDebianTracker, mapDebianUrgency } from './debian-tracker.js';

const sample: unknown = JSON.parse(readFileSync(new URL('./fixtures/debian-tracker-sample.json', import.meta.url), 'utf8'));

function find(advisories: ReturnType<typeof importDebianTracker>, pkg: string, suite: string, id: string) {
  return advisories.find((a) => a.package === pkg && a.platform === `debian:${suite}` && a.id === id);
}

describe('importDebianTracker on the fixture', () => {
  const all = importDebianTracker(sample);

  test('one advisory per resolved (package, suite, issue) with a real fix', () => {
    expect(all).toHaveLength(51);
    expect(new Set(all.map((a) => a.package))).toEqual(new Set(['openssl', 'xz-utils', 'openssh', 'curl', 'sudo', 'linux', 'glibc', 'firefox-esr']));
    expect(all.every((a) => a.scheme === 'dpkg' && a.releasedAt === undefined && a.fixedVersion !== '0')).toBe(true);
  });

  test.each([
    ['xz-utils', 'trixie', 'CVE-2024-3094', '5.6.1+really5.4.5-1', 'unknown'],
    ['openssh', 'bookworm', 'CVE-2024-6387', '1:9.2p1-2+deb12u3', 'unknown'],
    ['openssh', 'bullseye', 'CVE-2023-48795', '1:8.4p1-5+deb11u3', 'medium'],
    ['openssl', 'bookworm', 'CVE-2023-5363', '3.0.11-1~deb12u2', 'unknown'],
    ['openssl', 'bookworm', 'CVE-2024-0727', '3.0.13-1~deb12u1', 'unknown'],
    ['glibc', 'bookworm', 'CVE-2023-4911', '2.36-9+deb12u3', 'unknown'],
    ['curl', 'bookworm', 'CVE-2023-38545', '7.88.1-10+deb12u4', 'high'],
    ['curl', 'trixie', 'CVE-2023-38546', '8.4.0-1', 'low'],
    ['sudo', 'bullseye', 'CVE-2023-22809', '1.9.5p2-3+deb11u1', 'unknown'],
    ['linux', 'bookworm', 'CVE-2024-1086', '6.1.76-1', 'unknown'],
    ['firefox-esr', 'bookworm', 'CVE-2024-9680', '115.16.1esr-1~deb12u1', 'unknown'],
  ])('%s on %s: %s fixed in %s', (pkg, suite, id, fixedVersion, urgency) => {
    expect(find(all, pkg, suite, id)).toEqual({
      id,
      platform: `debian:${suite}`,
      package: pkg,
      fixedVersion,
      scheme: 'dpkg',
      cves: [id],
      urgency,
    });
  });

  test.each([
    // fixed_version "0": never affected.
    ['xz-utils', 'bookworm', 'CVE-2024-3094'],
    ['xz-utils', 'bullseye', 'CVE-2024-3094'],
    ['openssh', 'bullseye', 'CVE-2024-6387'],
    ['curl', 'trixie', 'CVE-2024-2379'],
    // open, with and without nodsa; undetermined.
    ['openssl', 'bullseye', 'CVE-2024-0727'],
    ['openssh', 'bookworm', 'CVE-2007-2768'],
    ['glibc', 'trixie', 'CVE-2010-4756'],
  ])('skips %s on %s: %s', (pkg, suite, id) => {
    expect(find(all, pkg, suite, id)).toBeUndefined();
  });

  test('suites filter', () => {
    const bookworm = importDebianTracker(sample, { suites: ['bookworm'] });
    expect(bookworm.length).toBeGreaterThan(0);
    expect(bookworm.every((a) => a.platform === 'debian:bookworm')).toBe(true);
    expect(bookworm).toEqual(all.filter((a) => a.platform === 'debian:bookworm'));
    expect(importDebianTracker(sample, { suites: [] })).toEqual([]);
  });
});

describe('mapDebianUrgency', () => {
  test.each([
    ['high', 'high'],
    ['medium**', 'medium'],
    ['low*', 'low'],
    ['unimportant', 'unimportant'],
    ['not yet assigned', 'unknown'],
    ['end-of-life', 'unknown'],
    ['HIGH', 'high'],
    ['something new', 'unknown'],
    [undefined, 'unknown'],
  ])('%j → %s', (raw, want) => {
    expect(mapDebianUrgency(raw)).toBe(want);
  });
});

const release = (over: Record<string, unknown> = {}) => ({ status: 'resolved', repositories: { bookworm: '3.0.15-1~deb12u1' }, fixed_version: '3.0.13-1~deb12u1', urgency: 'low', ...over });
const feed = (rel: unknown) => ({ openssl: { 'CVE-2024-0727': { releases: { bookworm: rel } } } });
const base = 'openssl.CVE-2024-0727';

describe('malformed input is a KennekiError naming the JSON path', () => {
  test.each<[string, unknown, string]>([
    ['root is an array', [], '(root): must be an object'],
    ['root is null', null, '(root): must be an object'],
    ['package is a string', { openssl: 'x' }, 'openssl: must be an object'],
    ['issue is an array', { openssl: { 'CVE-2024-0727': [] } }, `${base}: must be an object`],
    ['releases missing', { openssl: { 'CVE-2024-0727': { description: 'x' } } }, `${base}.releases: must be an object`],
    ['description not a string', { openssl: { 'CVE-2024-0727': { description: 1, releases: {} } } }, `${base}.description: must be a string`],
    ['debianbug not an integer', { openssl: { 'CVE-2024-0727': { debianbug: '1061582', releases: {} } } }, `${base}.debianbug: must be an integer`],
    ['release is a string', feed('resolved'), `${base}.releases.bookworm: must be an object`],
    ['status missing', feed(release({ status: undefined })), `${base}.releases.bookworm.status: must be a string`],
    ['status unknown', feed(release({ status: 'fixed' })), `${base}.releases.bookworm.status: must be one of`],
    ['repositories missing', feed(release({ repositories: undefined })), `${base}.releases.bookworm.repositories: must be an object`],
    ['repository version a number', feed(release({ repositories: { bookworm: 3 } })), `${base}.releases.bookworm.repositories.bookworm: must be a string`],
    ['fixed_version a number', feed(release({ fixed_version: 3 })), `${base}.releases.bookworm.fixed_version: must be a string`],
    ['resolved without fixed_version', feed(release({ fixed_version: undefined })), `${base}.releases.bookworm.fixed_version: must be a string`],
    ['fixed_version unparsable', feed(release({ fixed_version: '3.0 13' })), `${base}.releases.bookworm.fixed_version: not a valid dpkg version`],
    ['urgency not a string', feed(release({ urgency: ['low'] })), `${base}.releases.bookworm.urgency: must be a string`],
    ['nodsa not a string', feed(release({ status: 'open', nodsa: true })), `${base}.releases.bookworm.nodsa: must be a string`],
    ['odd key is quoted', { 'open ssl': 'x' }, '["open ssl"]: must be an object'],
  ])('%s', (_name, input, message) => {
    let caught: unknown;
    try {
      importDebianTracker(input);
    } catch (e) {
      caught = e;
    }
    expect(isKennekiError(caught, 'KENNEKI_ERR_DEFINITIONS_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(message);
  });

  test('an open entry may omit fixed_version; TEMP ids get no CVE', () => {
    const out = importDebianTracker({
      tar: { 'TEMP-0290435-0B57B5': { releases: { bookworm: release({ fixed_version: '1.34+dfsg-1.2+deb12u1' }), trixie: release({ status: 'open', fixed_version: undefined }) } } },
    });
    expect(out).toEqual([
      { id: 'TEMP-0290435-0B57B5', platform: 'debian:bookworm', package: 'tar', fixedVersion: '1.34+dfsg-1.2+deb12u1', scheme: 'dpkg', cves: [], urgency: 'low' },
    ]);
  });
});

describe('arbitrary input never throws anything but KennekiError', () => {
  const check = (input: unknown) => {
    try {
      expect(Array.isArray(importDebianTracker(input))).toBe(true);
    } catch (e) {
      if (!isKennekiError(e, 'KENNEKI_ERR_DEFINITIONS_INVALID')) throw e;
    }
  };

  test('fc.jsonValue / fc.anything', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.anything()), check), { seed: 31, numRuns: 2000 });
  });

  test('near-valid documents (tracker-shaped with random leaves)', () => {
    const leaf = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('resolved', 'open', 'undetermined', '0', '1.0-1', '', 'low**'));
    const rel = fc.record(
      { status: leaf, repositories: fc.oneof(fc.dictionary(fc.string(), leaf, { maxKeys: 2 }), leaf), fixed_version: leaf, urgency: leaf, nodsa: leaf },
      { requiredKeys: [] },
    );
    const doc = fc.dictionary(fc.string(), fc.dictionary(fc.string(), fc.record({ description: leaf, releases: fc.dictionary(fc.string(), rel, { maxKeys: 3 }) }, { requiredKeys: ['releases'] }), { maxKeys: 3 }), { maxKeys: 3 });
    fc.assert(fc.property(doc, check), { seed: 37, numRuns: 2000 });
  });
});

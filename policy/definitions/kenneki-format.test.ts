import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isKennekiError } from '../errors.js';
import { parseKennekiDefinitions } from './kenneki-format.js';

const sampleYaml = readFileSync(new URL('./fixtures/kenneki-definitions-sample.yaml', import.meta.url), 'utf8');

describe('parseKennekiDefinitions: good feeds', () => {
  test('the YAML sample', () => {
    const defs = parseKennekiDefinitions(sampleYaml);
    expect(defs.feed).toBe('acme-provider');
    expect(defs.published).toBe('2026-11-01');
    expect(defs.advisories).toHaveLength(4);
    expect(defs.advisories[0]).toEqual({
      id: 'DSA-5724-1',
      platform: 'debian:bookworm',
      package: 'openssh',
      fixedVersion: '1:9.2p1-2+deb12u3',
      scheme: 'dpkg',
      releasedAt: '2024-07-01',
      cves: ['CVE-2024-6387'],
      urgency: 'critical',
    });
    expect(defs.advisories[2]).toMatchObject({ id: 'RHSA-2024:4312', scheme: 'rpm', fixedVersion: '8.7p1-38.el9_4.1' });
    expect(defs.advisories[2]!.releasedAt).toBeUndefined();
    // A platform the feed itself declares.
    expect(defs.advisories[3]).toMatchObject({ platform: 'debian:forky', scheme: 'dpkg', cves: [] });
    expect(defs.forbidden).toEqual([
      { name: 'bittorrent*', reason: 'P2P file sharing is prohibited by policy', platform: 'windows' },
      { name: 'putty', reason: 'PuTTY before 0.81 leaks NIST P-521 private keys (CVE-2024-31497)', platform: 'windows', belowVersion: '0.81' },
      { name: 'telnetd', reason: 'Cleartext remote login is prohibited' },
    ]);
    expect(defs.platforms).toEqual([{ key: 'debian:forky', product: 'debian', versionPrefix: '14', scheme: 'dpkg' }]);
  });

  test('the same feed as JSON parses to the same result', () => {
    const yamlResult = parseKennekiDefinitions(sampleYaml);
    const json = JSON.stringify({
      format: 'kenneki-definitions/1',
      feed: 'acme-provider',
      published: '2026-11-01',
      advisories: [
        { id: 'DSA-5724-1', platform: 'debian:bookworm', package: 'openssh', fixed: '1:9.2p1-2+deb12u3', released: '2024-07-01', cves: ['CVE-2024-6387'], urgency: 'critical' },
        { id: 'DSA-5649-1', platform: 'debian:trixie', package: 'xz-utils', fixed: '5.6.1+really5.4.5-1', released: '2024-03-29', cves: ['CVE-2024-3094'], urgency: 'critical' },
        { id: 'RHSA-2024:4312', platform: 'rhel:9', package: 'openssh', fixed: '8.7p1-38.el9_4.1', cves: ['CVE-2024-6387'] },
        { id: 'ACME-2026-0001', platform: 'debian:forky', package: 'openssl', fixed: '3.5.4-1', released: '2026-10-20', cves: [] },
      ],
      forbidden: [
        { name: 'bittorrent*', reason: 'P2P file sharing is prohibited by policy', platform: 'windows' },
        { name: 'putty', reason: 'PuTTY before 0.81 leaks NIST P-521 private keys (CVE-2024-31497)', platform: 'windows', below_version: '0.81' },
        { name: 'telnetd', reason: 'Cleartext remote login is prohibited' },
      ],
      platforms: [{ key: 'debian:forky', product: 'debian', version_prefix: '14', scheme: 'dpkg' }],
    });
    expect(parseKennekiDefinitions(json)).toEqual(yamlResult);
    expect(parseKennekiDefinitions(`\n  ${json}`)).toEqual(yamlResult);
  });

  test('minimal feed: lists are optional; feed platforms decide the scheme', () => {
    const defs = parseKennekiDefinitions(
      [
        'format: kenneki-definitions/1',
        'feed: tiny',
        'published: 2026-11-01T08:00:00Z',
        'platforms:',
        '  - { key: "acme:appliance", product: "acme os", scheme: semver }',
        'advisories:',
        '  - { id: A-1, platform: "acme:appliance", package: firmware, fixed: "2.4.1-rc.2" }',
      ].join('\n'),
    );
    expect(defs.forbidden).toEqual([]);
    expect(defs.advisories[0]).toMatchObject({ scheme: 'semver', fixedVersion: '2.4.1-rc.2', cves: [] });
  });
});

const HEAD = 'format: kenneki-definitions/1\nfeed: f\npublished: 2026-11-01\n';
const adv = (fields: string) => `${HEAD}advisories:\n  - { id: A-1, platform: "debian:bookworm", package: p, fixed: "1.0-1" }\n  - ${fields}\n`;

describe('parseKennekiDefinitions: bad feeds name the path', () => {
  test.each<[string, string, string]>([
    ['not YAML', 'format: [kenneki', '(root): not valid JSON or YAML'],
    ['not JSON', '{"format": "kenneki-definitions/1",', '(root): not valid JSON or YAML'],
    ['duplicate key', `${HEAD}feed: again\n`, '(root): not valid JSON or YAML'],
    ['a list at the root', '- 1\n- 2\n', '(root): must be an object'],
    ['empty text', '', '(root): must be an object'],
    ['unknown top-level field', `${HEAD}advisory: []\n`, 'advisory: unknown field'],
    ['wrong format', 'format: kenneki-definitions/2\nfeed: f\npublished: 2026-11-01\n', 'format: must be "kenneki-definitions/1"'],
    ['feed missing', 'format: kenneki-definitions/1\npublished: 2026-11-01\n', 'feed: must be a string'],
    ['published not a date', 'format: kenneki-definitions/1\nfeed: f\npublished: soon\n', 'published: must be an ISO 8601 date'],
    ['advisories not a list', `${HEAD}advisories: {}\n`, 'advisories: must be an array'],
    ['advisory not an object', adv('"DSA-1"'), 'advisories[1]: must be an object'],
    ['fixed missing', adv('{ id: A-2, platform: "debian:bookworm", package: p }'), 'advisories[1].fixed: must be a string'],
    ['fixed read as a number', adv('{ id: A-2, platform: "debian:bookworm", package: p, fixed: 2.0 }'), 'advisories[1].fixed: must be a string (quote it'],
    ['fixed invalid under dpkg', adv('{ id: A-2, platform: "debian:bookworm", package: p, fixed: "v2.0" }'), 'advisories[1].fixed: not a valid dpkg version'],
    ['fixed invalid under dotted', adv('{ id: A-2, platform: windows, package: p, fixed: "10.0 build 5" }'), 'advisories[1].fixed: not a valid dotted version'],
    ['misspelt field', adv('{ id: A-2, platform: "debian:bookworm", package: p, fixed_version: "1.0-1" }'), 'advisories[1].fixed_version: unknown field'],
    ['empty package', adv('{ id: A-2, platform: "debian:bookworm", package: " ", fixed: "1.0-1" }'), 'advisories[1].package: must not be empty'],
    ['cve not a string', adv('{ id: A-2, platform: "debian:bookworm", package: p, fixed: "1.0-1", cves: [CVE-2024-1, 7] }'), 'advisories[1].cves[1]: must be a string'],
    ['bad released', adv('{ id: A-2, platform: "debian:bookworm", package: p, fixed: "1.0-1", released: "19 Dec 2023" }'), 'advisories[1].released: must be an ISO 8601 date'],
    ['bad urgency', adv('{ id: A-2, platform: "debian:bookworm", package: p, fixed: "1.0-1", urgency: urgent }'), 'advisories[1].urgency: must be one of'],
    ['forbidden without reason', `${HEAD}forbidden:\n  - name: "bittorrent*"\n`, 'forbidden[0].reason: must be a string'],
    ['forbidden below_version invalid', `${HEAD}forbidden:\n  - { name: putty, reason: r, platform: windows, below_version: "0.81 beta" }\n`, 'forbidden[0].below_version: not a valid dotted version'],
    ['platform scheme unknown', `${HEAD}platforms:\n  - { key: "debian:forky", product: debian, scheme: deb }\n`, 'platforms[0].scheme: must be one of: dpkg, rpm, semver, dotted'],
    ['platform prefix read as a number', `${HEAD}platforms:\n  - { key: "ubuntu:oracular", product: ubuntu, version_prefix: 24.10, scheme: dpkg }\n`, 'platforms[0].version_prefix: must be a string'],
  ])('%s', (_name, text, message) => {
    let caught: unknown;
    try {
      parseKennekiDefinitions(text);
    } catch (e) {
      caught = e;
    }
    expect(isKennekiError(caught, 'KENNEKI_ERR_DEFINITIONS_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(message);
  });

  test('arbitrary text never throws anything but KennekiError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ format: 'kenneki-definitions/1', feed: 'f', published: '2026-11-01', advisories: [v] }))), (text) => {
        try {
          parseKennekiDefinitions(text);
        } catch (e) {
          if (!isKennekiError(e, 'KENNEKI_ERR_DEFINITIONS_INVALID')) throw e;
        }
      }),
      { seed: 41, numRuns: 1000 },
    );
  });
});

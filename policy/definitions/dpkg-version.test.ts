import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isKennekiError } from '../errors.js';
import { compareDpkgVersions, compareParsedDpkgVersions, parseDpkgVersion } from './dpkg-version.js';

const DPKG = '/usr/bin/dpkg';

// [a, b, expected sign of compare(a, b)]
const KNOWN: [string, string, number][] = [
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~', '1.0', -1],
  ['1.0', '1.0+b1', -1],
  ['1.0', '1.0a', -1],
  ['1.0a', '1.0.', -1],
  ['1.0', '1.0.0', -1],
  ['1:0.1', '2.0', 1],
  ['0:1.0', '1.0', 0],
  ['1.0', '1.0-0', 0],
  ['1.0-0', '1.0-00', 0],
  ['1.0-1', '1.0-1ubuntu1', -1],
  ['1.0-1', '1.0-1.1', -1],
  ['1.0-1', '1.0-1+deb12u1', -1],
  ['3.0.11-1~deb12u2', '3.0.11-1~deb12u3', -1],
  ['3.0.11-1~deb12u2', '3.0.11-1', -1],
  ['3.0.13-1~deb12u1', '3.0.11-1~deb12u2', 1],
  ['2.36-9+deb12u4', '2.36-9+deb12u10', -1],
  ['2.36-9+deb12u9', '2.36-9+deb12u10', -1],
  ['1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u2', 1],
  ['1:9.2p1-2+deb12u3', '9.7p1-7', 1],
  ['5.6.1+really5.4.5-1', '5.6.1-1', 1],
  ['5.6.1+really5.4.5-1', '5.6.1', 1],
  ['115.16.1esr-1~deb12u1', '115.16.0esr-1~deb12u1', 1],
  ['1.9.13p3-1+deb12u1', '1.9.13p3-1', 1],
  ['6.1.76-1', '6.1.119-1', -1],
  ['10', '9', 1],
  ['010', '10', 0],
  ['1.2.3-1-2', '1.2.3-1', 1],
  ['1:1.0:2-1', '1:1.0-1', 1],
  ['7.88.1-10+deb12u4', '7.88.1-10+deb12u12', -1],
  ['1.0-A', '1.0-a', -1],
  ['1.0-1~bpo12+1', '1.0-1', -1],
  [' 1.0 ', '1.0', 0],
];

describe('compareDpkgVersions: known pairs', () => {
  test.each(KNOWN)('%s vs %s → %i', (a, b, want) => {
    expect(compareDpkgVersions(a, b)).toBe(want);
    expect(compareDpkgVersions(b, a)).toBe(0 - want);
  });
});

describe('parseDpkgVersion', () => {
  test.each([
    ['1.0', { epoch: 0, upstream: '1.0', revision: '' }],
    ['1:2.36-9+deb12u4', { epoch: 1, upstream: '2.36', revision: '9+deb12u4' }],
    ['1.2.3-1-2', { epoch: 0, upstream: '1.2.3-1', revision: '2' }],
    ['2:1.0:3', { epoch: 2, upstream: '1.0:3', revision: '' }],
    ['\t5.6.1+really5.4.5-1\n', { epoch: 0, upstream: '5.6.1+really5.4.5', revision: '1' }],
  ])('%j', (s, want) => {
    expect(parseDpkgVersion(s)).toEqual(want);
  });

  test.each([
    ['', 'version string is empty'],
    ['   ', 'version string is empty'],
    ['1.0 beta', 'embedded spaces'],
    [':1.0', 'epoch in version is empty'],
    ['a:1.0', 'epoch in version is empty'],
    ['1a:1.0', 'epoch in version is not number'],
    ['-1:1.0', 'epoch in version is negative'],
    ['99999999999:1.0', 'epoch in version is too big'],
    ['1:', 'nothing after colon'],
    ['1.0-', 'revision number is empty'],
    ['-1', 'version number is empty'],
    ['1:-1', 'version number is empty'],
    ['a1.0', 'does not start with digit'],
    ['1.0_1', 'invalid character "_" in version number'],
    ['1.0-1_2', 'invalid character "_" in revision number'],
    ['1.0-1:2', 'epoch in version is not number'],
    ['1.0-1-', 'revision number is empty'],
    ['1.0é', 'invalid character'],
  ])('rejects %j (%s)', (s, reason) => {
    let caught: unknown;
    try {
      parseDpkgVersion(s);
    } catch (e) {
      caught = e;
    }
    expect(isKennekiError(caught, 'KENNEKI_ERR_VERSION_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(reason);
    expect(() => compareDpkgVersions(s, '1.0')).toThrow(reason);
  });

  test('compareParsedDpkgVersions agrees with the string comparator', () => {
    for (const [a, b, want] of KNOWN) {
      expect(compareParsedDpkgVersions(parseDpkgVersion(a), parseDpkgVersion(b))).toBe(want);
    }
  });
});

// Realistic pieces, so that random versions hit the interesting rules: `~`, letters against
// non-letters, leading zeros, digit runs of different lengths, epochs, hyphens in upstream.
const upstreamHead = fc.constantFrom('0', '1', '2', '3', '9', '10', '1.0', '2.36', '3.0.11', '115.16.1');
const upstreamPiece = fc.constantFrom('0', '1', '2', '9', '10', '01', '00', '.', '+', '~', '~~', 'a', 'b', 'z', 'A', 'rc', 'esr', 'dfsg', 'really', 'p');
const revisionPiece = fc.constantFrom('0', '1', '2', '10', '.', '+', '~', 'ubuntu', 'deb12u', 'build', 'bpo', 'a', 'Z');
const versionArb = fc
  .tuple(
    fc.oneof({ arbitrary: fc.constant(''), weight: 4 }, fc.constantFrom('0:', '1:', '2:', '10:', '00:')),
    upstreamHead,
    fc.array(upstreamPiece, { maxLength: 5 }),
    fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, fc.array(revisionPiece, { minLength: 1, maxLength: 4 }).map((p) => p.join(''))),
    fc.constantFrom('', '', '', ':1', '-1'),
  )
  .map(([epoch, head, pieces, revision, extra]) => {
    let upstream = head + pieces.join('');
    // A colon in the upstream part needs an epoch, a hyphen needs a revision (dpkg's rules).
    if (extra === ':1' && epoch !== '') upstream += extra;
    if (extra === '-1' && revision !== '') upstream += extra;
    return epoch + upstream + (revision === '' ? '' : `-${revision}`);
  });
const suffix = fc.constantFrom('~', '~~', '0', '.0', '-0', '+b1', 'a', '.', '1', '~rc1');
const pairArb = fc.oneof(
  fc.tuple(versionArb, versionArb),
  // Near-equal pairs are where comparators go wrong.
  fc.tuple(versionArb, suffix).map(([v, s]): [string, string] => [v, v + s]),
  versionArb.map((v): [string, string] => [v, v.includes(':') ? v : `0:${v}`]),
);

// Only characters that need no quoting in a single-quoted shell word.
const SAFE = /^[0-9A-Za-z.+~:\- ]+$/;

function dpkgSigns(pairs: [string, string][]): number[] {
  const script = pairs
    .map(([a, b]) => {
      if (!SAFE.test(a) || !SAFE.test(b)) throw new Error(`unsafe test version ${a} / ${b}`);
      return `${DPKG} --compare-versions '${a}' lt '${b}'; r=$?; if [ $r = 0 ]; then echo -1; elif [ $r = 1 ]; then ${DPKG} --compare-versions '${a}' eq '${b}' && echo 0 || echo 1; else echo E; fi`;
    })
    .join('\n');
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return out
    .trim()
    .split('\n')
    .map((line) => (line === 'E' ? Number.NaN : Number(line)));
}

describe('against the real dpkg --compare-versions', () => {
  test('dpkg is installed', () => {
    // The cross-check is the point of this suite: never skip it silently.
    expect(existsSync(DPKG), `${DPKG} is missing: install the Debian package "dpkg" to run this test`).toBe(true);
  });

  test('known pairs and ~300 random pairs order exactly as dpkg orders them', () => {
    expect(existsSync(DPKG), `${DPKG} is missing: install the Debian package "dpkg" to run this test`).toBe(true);
    const random = fc.sample(pairArb, { seed: 20260311, numRuns: 300 });
    const pairs: [string, string][] = [...KNOWN.map(([a, b]): [string, string] => [a.trim(), b.trim()]), ...random];
    const want = dpkgSigns(pairs);
    expect(want).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, dpkg: want[i], ours: compareDpkgVersions(a, b) }))
      .filter((r) => r.dpkg !== r.ours);
    expect(mismatches).toEqual([]);
    // The sample must exercise all three outcomes to mean anything.
    expect(new Set(want)).toEqual(new Set([-1, 0, 1]));
  });
});

describe('properties', () => {
  test('antisymmetric and reflexive', () => {
    fc.assert(
      fc.property(versionArb, versionArb, (a, b) => {
        expect(compareDpkgVersions(a, a)).toBe(0);
        expect(compareDpkgVersions(a, b)).toBe(0 - compareDpkgVersions(b, a));
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  test('sorting yields a consistent order (transitivity)', () => {
    fc.assert(
      fc.property(fc.array(versionArb, { minLength: 2, maxLength: 25 }), (versions) => {
        const sorted = [...versions].sort(compareDpkgVersions);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) {
            expect(compareDpkgVersions(sorted[i]!, sorted[j]!)).toBeLessThanOrEqual(0);
          }
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  test('garbage never throws anything but KennekiError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), fc.string(), (a, b) => {
        for (const run of [() => parseDpkgVersion(a as string), () => compareDpkgVersions(a as string, b), () => compareDpkgVersions(b, a as string)]) {
          try {
            const r = run();
            if (typeof r === 'number') expect([-1, 0, 1]).toContain(r);
          } catch (e) {
            expect(isKennekiError(e, 'KENNEKI_ERR_VERSION_INVALID')).toBe(true);
          }
        }
      }),
      { seed: 13, numRuns: 1000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isKennekiError } from '../errors.js';
import { assertVersion, compareVersions, VERSION_SCHEMES } from './compare.js';
import { parseSemver } from './semver-version.js';
import type { VersionScheme } from './view.js';

describe('compareVersions dispatches by scheme', () => {
  test.each<[VersionScheme, string, string, number]>([
    ['dpkg', '1.0~rc1', '1.0', -1],
    ['dpkg', '1:0.1', '2.0', 1],
    ['rpm', '1.0^git1', '1.0', 1],
    ['rpm', '3.0.7-27.el9', '3.0.7-25.el9_3', 1],
    // semver.org §11 example chain, plus leniencies.
    ['semver', '1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['semver', '1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['semver', '1.0.0-alpha.beta', '1.0.0-beta', -1],
    ['semver', '1.0.0-beta', '1.0.0-beta.2', -1],
    ['semver', '1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['semver', '1.0.0-beta.11', '1.0.0-rc.1', -1],
    ['semver', '1.0.0-rc.1', '1.0.0', -1],
    ['semver', '1.0.0+build.5', '1.0.0', 0],
    ['semver', 'v2.1', '2.1.0', 0],
    ['semver', '2.10.0', '2.9.9', 1],
    ['semver', '99999999999999999999.0.0', '99999999999999999998.0.0', 1],
    ['dotted', '10.0.22631.4317', '10.0.22631.4169', 1],
    ['dotted', '10.0.19045.5011', '10.0.22631.1', -1],
    ['dotted', '15.1', '15.1.0', 0],
    ['dotted', '15.1', '15.10', -1],
    ['dotted', '14.7.1', '15.0', -1],
    ['dotted', '124.0.6367.091', '124.0.6367.91', 0],
  ])('%s: %s vs %s → %i', (scheme, a, b, want) => {
    expect(compareVersions(scheme, a, b)).toBe(want);
    expect(compareVersions(scheme, b, a)).toBe(0 - want);
  });

  test.each<[VersionScheme, string]>([
    ['dpkg', 'not a version'],
    ['rpm', ''],
    ['semver', '1.0.0-'],
    ['semver', '1..0'],
    ['dotted', '15.1 (24B83)'],
    ['dotted', '1..2'],
    ['dotted', '.1'],
    ['dotted', 'v1.2'],
  ])('%s rejects %j', (scheme, v) => {
    expect(() => assertVersion(scheme, v)).toThrow(/invalid/);
    expect(() => compareVersions(scheme, v, v)).toThrow(/invalid/);
  });

  test('an unknown scheme is a KennekiError', () => {
    expect(() => compareVersions('calver' as VersionScheme, '1', '2')).toThrow('unknown version scheme "calver"');
  });

  test('parseSemver exposes the parts', () => {
    expect(parseSemver('v1.2.3-rc.1+build.7')).toEqual({ major: '1', minor: '2', patch: '3', prerelease: ['rc', '1'], build: ['build', '7'] });
  });
});

const dotted = fc.array(fc.constantFrom('0', '1', '2', '10', '01', '22631', '4317'), { minLength: 1, maxLength: 4 }).map((s) => s.join('.'));
const semver = fc
  .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.array(fc.constantFrom('alpha', 'beta', 'rc', '1', '2', '11', 'x-y'), { maxLength: 3 }))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre.length ? `-${pre.join('.')}` : ''}`);

describe('properties', () => {
  test.each<[VersionScheme, fc.Arbitrary<string>]>([
    ['dotted', dotted],
    ['semver', semver],
  ])('%s: sorting yields a consistent, antisymmetric order', (scheme, arb) => {
    fc.assert(
      fc.property(fc.array(arb, { minLength: 2, maxLength: 20 }), (versions) => {
        const sorted = [...versions].sort((a, b) => compareVersions(scheme, a, b));
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) {
            expect(compareVersions(scheme, sorted[i]!, sorted[j]!)).toBeLessThanOrEqual(0);
            expect(compareVersions(scheme, sorted[j]!, sorted[i]!)).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { seed: 23, numRuns: 200 },
    );
  });

  test('garbage never throws anything but KennekiError, for every scheme', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom<unknown>(...VERSION_SCHEMES), fc.anything()), fc.oneof(fc.string(), fc.anything()), fc.string(), (scheme, a, b) => {
        for (const run of [() => compareVersions(scheme as VersionScheme, a as string, b), () => assertVersion(scheme as VersionScheme, a as string)]) {
          try {
            run();
          } catch (e) {
            expect(isKennekiError(e, 'KENNEKI_ERR_VERSION_INVALID')).toBe(true);
          }
        }
      }),
      { seed: 29, numRuns: 1000 },
    );
  });
});

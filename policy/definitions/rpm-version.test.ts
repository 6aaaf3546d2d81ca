import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isKennekiError } from '../errors.js';
import { compareRpmVersions, parseRpmVersion } from './rpm-version.js';

// Cases from rpm's own test suite (tests/rpmvercmp.at), then epoch:version-release cases.
const RPMVERCMP: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p2', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', '8', -1],
  ['xyz.4', '2', -1],
  ['5.6p1', '5.5p2', 1],
  ['6.0.rc1', '6.0', 1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0a', '1.0aa', -1],
  ['10.0001', '10.1', 0],
  ['10.0001', '10.0039', -1],
  ['4.999.9', '5.0', -1],
  ['20101121', '20101122', -1],
  ['2.0', '2_0', 0],
  ['a+', 'a_', 0],
  ['+a', '_a', 0],
  ['_+', '+_', 0],
  ['+', '_', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
];

const EVR: [string, string, number][] = [
  ['1:1.0-1', '2.0-1', 1],
  ['0:1.0-1', '1.0-1', 0],
  ['1.0-1.el9', '1.0-2.el9', -1],
  ['3.0.7-27.el9', '3.0.7-25.el9_3', 1],
  ['1:1.1.1k-12.el8_9', '1:1.1.1k-9.el8_7', 1],
  ['2.6.32-754.el6', '2.6.32-71.el6', 1],
  ['8.7p1-38.el9', '8.7p1-38.el9_4.1', -1],
  // A fix "in 1.2.3" is satisfied by any 1.2.3 build, as in rpm's dependency matching.
  ['1.2.3', '1.2.3-5.el9', 0],
  ['1.2.3-', '1.2.3-5.el9', 0],
  ['10:1.0', '9:2.0', 1],
];

describe('compareRpmVersions', () => {
  test.each([...RPMVERCMP, ...EVR])('%s vs %s → %i', (a, b, want) => {
    expect(compareRpmVersions(a, b)).toBe(want);
    expect(compareRpmVersions(b, a)).toBe(0 - want);
  });

  test.each([
    ['', 'empty'],
    ['1.0 beta', 'invalid character'],
    ['1:-1', 'version is empty'],
    ['1.0\u00e9', 'invalid character'],
  ])('rejects %j', (s, reason) => {
    expect(() => compareRpmVersions(s, '1.0')).toThrow(reason);
    expect(() => parseRpmVersion(s)).toThrow(reason);
  });

  test('parseRpmVersion splits like rpm', () => {
    expect(parseRpmVersion('1:3.0.7-27.el9')).toEqual({ epoch: '1', version: '3.0.7', release: '27.el9' });
    expect(parseRpmVersion('3.0.7')).toEqual({ epoch: '0', version: '3.0.7' });
    expect(parseRpmVersion('a:b-c-d')).toEqual({ epoch: '0', version: 'a:b-c', release: 'd' });
  });
});

const segment = fc.constantFrom('0', '1', '2', '10', '01', 'a', 'b', 'rc', 'git', '.', '_', '~', '^', '+');
const rpmArb = fc
  .tuple(fc.constantFrom('', '0:', '1:'), fc.constantFrom('1', '2', '3.0'), fc.array(segment, { maxLength: 5 }), fc.constantFrom('1', '2.el9', '10.el9_4'))
  .map(([e, h, s, r]) => `${e}${h}${s.join('')}-${r}`);

describe('properties', () => {
  test('antisymmetric, and sorting yields a consistent order', () => {
    fc.assert(
      fc.property(fc.array(rpmArb, { minLength: 2, maxLength: 20 }), (versions) => {
        const sorted = [...versions].sort(compareRpmVersions);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) {
            expect(compareRpmVersions(sorted[i]!, sorted[j]!)).toBeLessThanOrEqual(0);
            expect(compareRpmVersions(sorted[i]!, sorted[j]!)).toBe(0 - compareRpmVersions(sorted[j]!, sorted[i]!));
          }
        }
      }),
      { seed: 17, numRuns: 200 },
    );
  });

  test('garbage never throws anything but KennekiError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), fc.string(), (a, b) => {
        try {
          expect([-1, 0, 1]).toContain(compareRpmVersions(a as string, b));
        } catch (e) {
          expect(isKennekiError(e, 'KENNEKI_ERR_VERSION_INVALID')).toBe(true);
        }
      }),
      { seed: 19, numRuns: 1000 },
    );
  });
});

/**
 * Semantic versions (semver.org 2.0 precedence), for software whose vendors publish them.
 *
 * Lenient where inventories are sloppy and precedence stays unambiguous: a leading "v" is
 * allowed, a missing minor or patch counts as 0 ("2.1" equals "2.1.0"), and leading zeros are
 * tolerated. Build metadata ("+build.5") is parsed but, as the spec says, never ordered.
 */
import { KennekiError } from '../errors.js';
import { compareDigitRuns } from './digit-runs.js';

export interface SemVer {
  /** Digit strings; they may exceed 2^53. */
  major: string;
  minor: string;
  patch: string;
  /** Pre-release identifiers; empty for a release. */
  prerelease: string[];
  build: string[];
}

const IDENTIFIERS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const SEMVER = new RegExp(`^v?(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(?:-(${IDENTIFIERS}))?(?:\\+(${IDENTIFIERS}))?$`);
const NUMERIC = /^\d+$/;

function invalid(s: unknown, reason: string): KennekiError {
  const shown = typeof s === 'string' ? (s.length > 80 ? `${s.slice(0, 80)}…` : s) : typeof s;
  return new KennekiError('KENNEKI_ERR_VERSION_INVALID', `invalid semantic version "${shown}": ${reason}`, {
    details: { scheme: 'semver', reason },
  });
}

/** Parses `[v]MAJOR[.MINOR[.PATCH]][-prerelease][+build]`. */
export function parseSemver(s: string): SemVer {
  if (typeof s !== 'string') throw invalid(s, 'version must be a string');
  if (s.length === 0) throw invalid(s, 'version string is empty');
  const m = SEMVER.exec(s);
  if (!m) throw invalid(s, 'expected MAJOR[.MINOR[.PATCH]][-prerelease][+build]');
  return {
    major: m[1]!,
    minor: m[2] ?? '0',
    patch: m[3] ?? '0',
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
    build: m[5] === undefined ? [] : m[5].split('.'),
  };
}

function compareDigits(a: string, b: string): number {
  return compareDigitRuns(a, 0, a.length, b, 0, b.length);
}

// Spec §11.4: numeric identifiers compare numerically and sort before alphanumeric ones, which
// compare in ASCII order; a shorter list that is a prefix of the other sorts first.
function comparePrerelease(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) {
    // A release is newer than any of its pre-releases.
    return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xNum = NUMERIC.test(x);
    const yNum = NUMERIC.test(y);
    let rc: number;
    if (xNum && yNum) rc = compareDigits(x, y);
    else if (xNum) rc = -1;
    else if (yNum) rc = 1;
    else rc = x < y ? -1 : x > y ? 1 : 0;
    if (rc !== 0) return rc;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Orders two semantic versions: -1, 0 or 1. */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  return compareDigits(x.major, y.major) || compareDigits(x.minor, y.minor) || compareDigits(x.patch, y.patch) || comparePrerelease(x.prerelease, y.prerelease);
}

/**
 * One entry point for version ordering, so that checks never need to know which package
 * manager's rules apply: the platform's scheme decides.
 */
import { KennekiError } from '../errors.js';
import { compareDottedVersions, parseDottedVersion } from './dotted-version.js';
import { compareDpkgVersions, parseDpkgVersion } from './dpkg-version.js';
import { compareRpmVersions, parseRpmVersion } from './rpm-version.js';
import { compareSemver, parseSemver } from './semver-version.js';
import type { VersionScheme } from './view.js';

export const VERSION_SCHEMES: readonly VersionScheme[] = ['dpkg', 'rpm', 'semver', 'dotted'];

export function isVersionScheme(s: unknown): s is VersionScheme {
  return typeof s === 'string' && (VERSION_SCHEMES as readonly string[]).includes(s);
}

function unknownScheme(scheme: unknown): KennekiError {
  const shown = typeof scheme === 'string' ? scheme.slice(0, 40) : typeof scheme;
  return new KennekiError('KENNEKI_ERR_VERSION_INVALID', `unknown version scheme "${shown}"`, { details: { scheme: shown } });
}

/** Orders `a` and `b` under `scheme`: -1, 0 or 1. Throws KENNEKI_ERR_VERSION_INVALID for bad input. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): number {
  switch (scheme) {
    case 'dpkg':
      return compareDpkgVersions(a, b);
    case 'rpm':
      return compareRpmVersions(a, b);
    case 'semver':
      return compareSemver(a, b);
    case 'dotted':
      return compareDottedVersions(a, b);
    default:
      throw unknownScheme(scheme);
  }
}

/** Throws KENNEKI_ERR_VERSION_INVALID when `version` is not a valid version under `scheme`. */
export function assertVersion(scheme: VersionScheme, version: string): void {
  switch (scheme) {
    case 'dpkg':
      parseDpkgVersion(version);
      return;
    case 'rpm':
      parseRpmVersion(version);
      return;
    case 'semver':
      parseSemver(version);
      return;
    case 'dotted':
      parseDottedVersion(version);
      return;
    default:
      throw unknownScheme(scheme);
  }
}

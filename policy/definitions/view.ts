/**
 * Definitions: what the provider's feed (or the admin) says about software. Checks read them
 * through this small read-only view so that they stay pure and fast.
 *
 * A platform is a string key for the software universe a package lives in:
 *   "debian:bookworm", "ubuntu:noble", "windows", "macos".
 */
import type { OsFact } from '../posture/facts.js';
import type { PackageAssessment } from './package-assessment.js';

export type VersionScheme = 'dpkg' | 'rpm' | 'semver' | 'dotted';

/** A fix for a vulnerable package: any installed version lower than `fixedVersion` is vulnerable. */
export interface Advisory {
  /** Advisory or CVE id ("DSA-5581-1", "CVE-2024-3094"). */
  id: string;
  platform: string;
  package: string;
  fixedVersion: string;
  scheme: VersionScheme;
  /** When the fix was released, when the feed knows it (ISO 8601 date). Grace counts from here. */
  releasedAt?: string;
  cves: string[];
  urgency?: 'unimportant' | 'low' | 'medium' | 'high' | 'critical' | 'unknown';
}

/** Software that must not be installed. */
export interface ForbiddenRule {
  /** Exact package name, or a glob with `*`. Matched case-insensitively. */
  name: string;
  /** Only versions below this are forbidden, when set (e.g. an old, unsafe client). */
  belowVersion?: string;
  /** Limit to one platform; all platforms when absent. */
  platform?: string;
  reason: string;
}

export interface DefinitionsView {
  /** The platform key for an endpoint's OS, or undefined when no feed covers it. */
  platformFor(os: OsFact): string | undefined;
  /** Version scheme used by a platform. */
  schemeFor(platform: string): VersionScheme;
  /** Advisories for one package on one platform. */
  advisoriesFor(platform: string, pkg: string): readonly Advisory[];
  /** Forbidden-software rules that apply to a platform. */
  forbiddenFor(platform: string | undefined): readonly ForbiddenRule[];
  /** Negative, zero or positive, like a sort comparator. */
  compare(scheme: VersionScheme, a: string, b: string): number;
  /**
   * A judge of installed packages on one platform: the advisories a version is behind and the
   * forbidden rule it matches. Without a platform only rules for every platform apply. Memoised:
   * get it once per inventory and call it for every package.
   */
  packageAssessor(platform: string | undefined): PackageAssessor;
}

/** Judges one installed package; the same function object for a view and platform. */
export type PackageAssessor = (name: string, version: string) => PackageAssessment;

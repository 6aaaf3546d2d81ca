/**
 * What the definitions say about one installed package: the advisories it is behind (vulnerable)
 * and the forbidden rule it matches. Pure over an immutable index, so the view can memoise it per
 * (platform, name, version): a fleet runs the same few versions of each package, and a 1,500-
 * package inventory then costs 1,500 map lookups instead of thousands of version comparisons.
 */
import { compareVersions } from './compare.js';
import type { Advisory, ForbiddenRule, VersionScheme } from './view.js';

export interface PackageAssessment {
  /** Behind at least one advisory: its CVE (or advisory) ids, the version that fixes all of them, the earliest release. */
  vulnerable?: { ids: readonly string[]; fixedVersion: string; since?: string };
  /** The first forbidden rule that matches the name (and the version, for bounded rules). */
  forbidden?: ForbiddenRule;
  /** An advisory's version could not be ordered against the installed one: not fully judged. */
  advisoryUncomparable: boolean;
  /** A version-bounded forbidden rule could not be ordered against the installed version. */
  forbiddenUncomparable: boolean;
}

export const CLEAN: PackageAssessment = Object.freeze({ advisoryUncomparable: false, forbiddenUncomparable: false });

/** Ordering that reports an unparseable version as undefined instead of throwing. */
export function tryCompare(scheme: VersionScheme, a: string, b: string): number | undefined {
  try {
    return compareVersions(scheme, a, b);
  } catch {
    return undefined;
  }
}

export function assessVulnerability(advisories: readonly Advisory[], version: string): Pick<PackageAssessment, 'vulnerable' | 'advisoryUncomparable'> {
  const ids = new Set<string>();
  let fixedVersion: string | undefined;
  let since: number | undefined;
  let uncomparable = false;
  for (const a of advisories) {
    const c = tryCompare(a.scheme, version, a.fixedVersion);
    if (c === undefined) uncomparable = true;
    if (c === undefined || c >= 0) continue;
    if (a.cves.length > 0) for (const cve of a.cves) ids.add(cve);
    else ids.add(a.id);
    // The update must reach the highest fixed version among the advisories it is behind.
    if (fixedVersion === undefined || (tryCompare(a.scheme, a.fixedVersion, fixedVersion) ?? 0) > 0) fixedVersion = a.fixedVersion;
    const t = a.releasedAt === undefined ? NaN : Date.parse(a.releasedAt);
    if (!Number.isNaN(t) && (since === undefined || t < since)) since = t;
  }
  if (fixedVersion === undefined) return { advisoryUncomparable: uncomparable };
  return {
    vulnerable: { ids: [...ids], fixedVersion, ...(since !== undefined ? { since: new Date(since).toISOString() } : {}) },
    advisoryUncomparable: uncomparable,
  };
}

/**
 * Forbidden rules compiled once per platform: exact names in a map (the common case), globs as
 * anchored case-insensitive expressions.
 */
export interface ForbiddenMatcher {
  /** Rules whose name pattern matches, whatever the version. */
  candidates(name: string): ForbiddenRule[];
  judge(candidates: readonly ForbiddenRule[], version: string): Pick<PackageAssessment, 'forbidden' | 'forbiddenUncomparable'>;
}

export function compileForbidden(rules: readonly ForbiddenRule[], scheme: VersionScheme): ForbiddenMatcher {
  const exact = new Map<string, ForbiddenRule[]>();
  const globs: { re: RegExp; rule: ForbiddenRule }[] = [];
  for (const rule of rules) {
    const key = rule.name.toLowerCase();
    if (!key.includes('*')) exact.set(key, [...(exact.get(key) ?? []), rule]);
    else globs.push({ re: new RegExp(`^${key.split('*').map(escapeRegExp).join('.*')}$`, 'is'), rule });
  }
  return {
    candidates(name) {
      const key = name.toLowerCase();
      const hits = exact.get(key);
      if (globs.length === 0) return hits ?? [];
      return [...(hits ?? []), ...globs.filter((g) => g.re.test(key)).map((g) => g.rule)];
    },
    judge(candidates, version) {
      let uncomparable = false;
      for (const rule of candidates) {
        if (rule.belowVersion !== undefined) {
          const c = tryCompare(scheme, version, rule.belowVersion);
          if (c === undefined) uncomparable = true;
          if (c === undefined || c >= 0) continue;
        }
        return { forbidden: rule, forbiddenUncomparable: uncomparable };
      }
      return { forbiddenUncomparable: uncomparable };
    },
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

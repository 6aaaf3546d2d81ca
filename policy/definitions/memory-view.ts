/**
 * The in-memory DefinitionsView that checks read from.
 *
 * Built once per definitions import and then only read, from every posture evaluation, so all
 * the work happens here at construction: advisories are indexed for O(1) lookup and the
 * returned lists are frozen, so a check can neither slow down nor corrupt the shared data.
 */
import type { OsFact } from '../posture/facts.js';
import { compareVersions } from './compare.js';
import { assessVulnerability, CLEAN, compileForbidden, type PackageAssessment } from './package-assessment.js';
import { matchPlatform, schemeForPlatform, type PlatformRule } from './platforms.js';
import type { Advisory, DefinitionsView, ForbiddenRule, PackageAssessor, VersionScheme } from './view.js';

export interface DefinitionsInput {
  advisories: Advisory[];
  forbidden: ForbiddenRule[];
  /** Feed platform rules; they extend and override the built-in table. */
  platforms?: PlatformRule[];
}

const NO_ADVISORIES: readonly Advisory[] = Object.freeze([]);
/**
 * Bound on memoised package assessments per platform. Distinct (package, version) pairs in a fleet
 * number in the tens of thousands; past the bound the memo starts over rather than grow.
 */
const MEMO_LIMIT = 200_000;

// NUL cannot occur in a platform key or a package name, so the joined key is unambiguous.
// Package names are folded to lower case because inventories (Windows, macOS) disagree on case.
function indexKey(platform: string, pkg: string): string {
  return `${platform}\0${pkg.toLowerCase()}`;
}

export function createDefinitionsView(input: DefinitionsInput): DefinitionsView {
  const platformRules: readonly PlatformRule[] = Object.freeze((input.platforms ?? []).map((r) => Object.freeze({ ...r })));

  const byPackage = new Map<string, Advisory[]>();
  for (const advisory of input.advisories) {
    const key = indexKey(advisory.platform, advisory.package);
    const list = byPackage.get(key);
    const frozen = Object.freeze({ ...advisory, cves: Object.freeze([...advisory.cves]) as string[] });
    if (list) list.push(frozen);
    else byPackage.set(key, [frozen]);
  }
  for (const list of byPackage.values()) Object.freeze(list);

  // Rules for every platform, plus per-platform lists that already include them: the number of
  // distinct platforms is bounded by the feed, so precomputing is cheap and lookups allocate nothing.
  const everywhere: ForbiddenRule[] = [];
  const scoped = new Map<string, ForbiddenRule[]>();
  for (const rule of input.forbidden) {
    const frozen = Object.freeze({ ...rule });
    if (rule.platform === undefined) everywhere.push(frozen);
    else if (!scoped.has(rule.platform)) scoped.set(rule.platform, [frozen]);
    else scoped.get(rule.platform)!.push(frozen);
  }
  Object.freeze(everywhere);
  const forbiddenByPlatform = new Map<string, readonly ForbiddenRule[]>();
  for (const [platform, rules] of scoped) forbiddenByPlatform.set(platform, Object.freeze([...everywhere, ...rules]));

  const schemeFor = (platform: string): VersionScheme => schemeForPlatform(platform, platformRules);
  const forbiddenFor = (platform: string | undefined): readonly ForbiddenRule[] =>
    platform === undefined ? everywhere : (forbiddenByPlatform.get(platform) ?? everywhere);
  // Per platform: package name → CLEAN (nothing in the definitions can match that name, whatever
  // the version: one lookup) or version → assessment. Bounded; past the bound a platform's memo
  // starts over rather than grow.
  const assessors = new Map<string, PackageAssessor>();
  const assessorFor = (platform: string | undefined): PackageAssessor => {
    const matcher = compileForbidden(forbiddenFor(platform), platform === undefined ? 'dotted' : schemeFor(platform));
    let memo = new Map<string, PackageAssessment | Map<string, PackageAssessment>>();
    let size = 0;
    return (name: string, version: string): PackageAssessment => {
      const entry = memo.get(name);
      if (entry === CLEAN) return CLEAN;
      const hit = (entry as Map<string, PackageAssessment> | undefined)?.get(version);
      if (hit) return hit;
      if (size >= MEMO_LIMIT) {
        memo = new Map();
        size = 0;
      }
      size++;
      const advisories = platform === undefined ? NO_ADVISORIES : (byPackage.get(indexKey(platform, name)) ?? NO_ADVISORIES);
      const candidates = matcher.candidates(name);
      if (advisories.length === 0 && candidates.length === 0) {
        memo.set(name, CLEAN);
        return CLEAN;
      }
      const v = advisories.length > 0 ? assessVulnerability(advisories, version) : CLEAN;
      const f = matcher.judge(candidates, version);
      const clean = !v.vulnerable && !v.advisoryUncomparable && !f.forbidden && !f.forbiddenUncomparable;
      const result: PackageAssessment = clean ? CLEAN : Object.freeze({ ...CLEAN, ...v, ...f });
      let byVersion = memo.get(name) as Map<string, PackageAssessment> | undefined;
      if (!byVersion) memo.set(name, (byVersion = new Map()));
      byVersion.set(version, result);
      return result;
    };
  };

  return {
    packageAssessor(platform: string | undefined) {
      const key = platform ?? '';
      let a = assessors.get(key);
      if (!a) assessors.set(key, (a = assessorFor(platform)));
      return a;
    },
    platformFor(os: OsFact): string | undefined {
      return matchPlatform(os, platformRules);
    },
    schemeFor,
    advisoriesFor(platform: string, pkg: string): readonly Advisory[] {
      return byPackage.get(indexKey(platform, pkg)) ?? NO_ADVISORIES;
    },
    forbiddenFor,
    compare(scheme: VersionScheme, a: string, b: string): number {
      return compareVersions(scheme, a, b);
    },
  };
}

/**
 * The in-memory DefinitionsView that checks read from.
 *
 * Built once per definitions import and then only read, from every posture evaluation, so all
 * the work happens here at construction: advisories are indexed for O(1) lookup and the
 * returned lists are frozen, so a check can neither slow down nor corrupt the shared data.
 */
import type { OsFact } from '../posture/facts.js';
import { compareVersions } from './compare.js';
import { matchPlatform, schemeForPlatform, type PlatformRule } from './platforms.js';
import type { Advisory, DefinitionsView, ForbiddenRule, VersionScheme } from './view.js';

export interface DefinitionsInput {
  advisories: Advisory[];
  forbidden: ForbiddenRule[];
  /** Feed platform rules; they extend and override the built-in table. */
  platforms?: PlatformRule[];
}

const NO_ADVISORIES: readonly Advisory[] = Object.freeze([]);

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

  return {
    platformFor(os: OsFact): string | undefined {
      return matchPlatform(os, platformRules);
    },
    schemeFor(platform: string): VersionScheme {
      return schemeForPlatform(platform, platformRules);
    },
    advisoriesFor(platform: string, pkg: string): readonly Advisory[] {
      return byPackage.get(indexKey(platform, pkg)) ?? NO_ADVISORIES;
    },
    forbiddenFor(platform: string | undefined): readonly ForbiddenRule[] {
      if (platform === undefined) return everywhere;
      return forbiddenByPlatform.get(platform) ?? everywhere;
    },
    compare(scheme: VersionScheme, a: string, b: string): number {
      return compareVersions(scheme, a, b);
    },
  };
}

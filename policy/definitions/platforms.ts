/**
 * Which platform key (software universe) an endpoint's OS belongs to, and which version scheme
 * that platform uses.
 *
 * The mapping is data, not code: supporting a new release is a row here or a `platforms` entry
 * in a feed, never a new branch. Feed rules are consulted before the built-in table, so a
 * provider can add releases (or redirect one to its own platform key) without a server upgrade.
 */
import type { OsFact } from '../posture/facts.js';
import type { VersionScheme } from './view.js';

export interface PlatformRule {
  /** Platform key produced on a match: "debian:bookworm", "windows". */
  key: string;
  /**
   * Product name, matched case-insensitively as whole words of OsFact.product: "debian"
   * matches "Debian GNU/Linux", "windows" matches "Microsoft Windows 11 Pro".
   */
  product: string;
  /** Leading version segments ("12", "22.04"); any version when absent. */
  versionPrefix?: string;
  scheme: VersionScheme;
}

/** The built-in table. Several rows may share a key: one per name the product reports. */
export const BUILTIN_PLATFORM_RULES: readonly PlatformRule[] = [
  { key: 'debian:bullseye', product: 'debian', versionPrefix: '11', scheme: 'dpkg' },
  { key: 'debian:bookworm', product: 'debian', versionPrefix: '12', scheme: 'dpkg' },
  { key: 'debian:trixie', product: 'debian', versionPrefix: '13', scheme: 'dpkg' },
  { key: 'ubuntu:jammy', product: 'ubuntu', versionPrefix: '22.04', scheme: 'dpkg' },
  { key: 'ubuntu:noble', product: 'ubuntu', versionPrefix: '24.04', scheme: 'dpkg' },
  { key: 'windows', product: 'windows', scheme: 'dotted' },
  { key: 'macos', product: 'macos', scheme: 'dotted' },
  { key: 'macos', product: 'mac os x', scheme: 'dotted' },
  // Rocky and Alma rebuild RHEL package for package, so RHEL advisories apply to them as is.
  { key: 'rhel:8', product: 'rhel', versionPrefix: '8', scheme: 'rpm' },
  { key: 'rhel:9', product: 'rhel', versionPrefix: '9', scheme: 'rpm' },
  { key: 'rhel:8', product: 'red hat enterprise linux', versionPrefix: '8', scheme: 'rpm' },
  { key: 'rhel:9', product: 'red hat enterprise linux', versionPrefix: '9', scheme: 'rpm' },
  { key: 'rhel:8', product: 'rocky', versionPrefix: '8', scheme: 'rpm' },
  { key: 'rhel:9', product: 'rocky', versionPrefix: '9', scheme: 'rpm' },
  { key: 'rhel:8', product: 'almalinux', versionPrefix: '8', scheme: 'rpm' },
  { key: 'rhel:9', product: 'almalinux', versionPrefix: '9', scheme: 'rpm' },
  { key: 'rhel:8', product: 'alma', versionPrefix: '8', scheme: 'rpm' },
  { key: 'rhel:9', product: 'alma', versionPrefix: '9', scheme: 'rpm' },
];

// "Debian GNU/Linux" → " debian gnu linux ": word matching becomes a substring test.
function words(s: string): string {
  return ` ${s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// "12" matches "12" and "12.7" but not "120"; "22.04" matches "22.04.4 LTS".
function versionMatches(version: string, prefix: string | undefined): boolean {
  if (prefix === undefined || prefix === '') return true;
  if (!version.startsWith(prefix)) return false;
  return version.length === prefix.length || !isDigit(version.charCodeAt(prefix.length)) || !isDigit(prefix.charCodeAt(prefix.length - 1));
}

function bestMatch(productWords: string, version: string, rules: readonly PlatformRule[]): PlatformRule | undefined {
  let best: PlatformRule | undefined;
  let bestLength = -1;
  for (const rule of rules) {
    if (!productWords.includes(words(rule.product))) continue;
    if (!versionMatches(version, rule.versionPrefix)) continue;
    // The most specific version prefix wins; on a tie, the earlier rule.
    const length = rule.versionPrefix?.length ?? 0;
    if (length > bestLength) {
      best = rule;
      bestLength = length;
    }
  }
  return best;
}

/**
 * The platform key for an OS, or undefined when nothing covers it. Feed rules win over the
 * built-in table whenever any of them matches.
 */
export function matchPlatform(os: OsFact, feedRules: readonly PlatformRule[] = []): string | undefined {
  if (typeof os?.product !== 'string') return undefined;
  const productWords = words(os.product);
  if (productWords.trim() === '') return undefined;
  const version = typeof os.version === 'string' ? os.version.trim() : '';
  return (bestMatch(productWords, version, feedRules) ?? bestMatch(productWords, version, BUILTIN_PLATFORM_RULES))?.key;
}

/**
 * The version scheme of a platform: from the first rule (feed, then built-in) with that key,
 * else by the key's family so that feeds can introduce keys such as "debian:forky" freely.
 */
export function schemeForPlatform(platform: string, feedRules: readonly PlatformRule[] = []): VersionScheme {
  const rule = feedRules.find((r) => r.key === platform) ?? BUILTIN_PLATFORM_RULES.find((r) => r.key === platform);
  if (rule) return rule.scheme;
  if (platform.startsWith('debian:') || platform.startsWith('ubuntu:')) return 'dpkg';
  if (platform.startsWith('rhel:')) return 'rpm';
  return 'dotted';
}

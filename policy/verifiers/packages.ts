/**
 * Installed packages against the definitions: vulnerable (installed below an advisory's fixed
 * version) and forbidden (matching a forbidden-software rule). Runs on every report of a full
 * inventory, so it uses the view's indexed lookups and compiles the rules once per call.
 */
import type { InstalledPackage } from '../posture/facts.js';
import type { DefinitionsView, ForbiddenRule, VersionScheme } from '../definitions/view.js';
import { evidenceOf, type Check, type Finding, type LocalizedText } from './contract.js';
import { compliant, failing, isRecord, malformed, notJudged, osOf, readFact, timeOf } from './evidence.js';
import { CONTACT_ADMIN, listOf, plural } from './messages.js';

const ID = 'packages';

export const packagesCheck: Check<'packages'> = {
  id: ID,
  reads: ['packages', 'os'],
  evaluate(ctx, params) {
    const read = readFact(ID, ctx.facts, 'packages');
    if (!read.ok) return read.result;
    const fact = read.value;
    if (!isRecord(fact) || !Array.isArray(fact.packages)) return malformed(ID, ctx.facts, 'packages');
    const checkVulnerable = params.vulnerable ?? true;
    const checkForbidden = params.forbidden ?? true;

    // Without the OS we cannot tell the platform; rules for every platform still apply, and a
    // hit there is a fact, so it is reported before giving up as unknown.
    const osRead = readFact(ID, ctx.facts, 'os');
    const os = osOf(ctx.facts);
    if (osRead.ok && !os) return malformed(ID, ctx.facts, 'os');
    const defs = ctx.definitions;
    const platform = os ? defs.platformFor(os) : undefined;
    const evidence = [...(evidenceOf(ctx.facts, 'packages') ?? []), ...(evidenceOf(ctx.facts, 'os') ?? [])];

    const vulnerable: Finding[] = [];
    const fixes: string[] = [];
    const forbidden: Finding[] = [];
    // Packages whose version the definitions cannot order (inventories report "2024 R1", "v2",
    // ...): one such package must not sink the whole inventory, nor pass unjudged.
    const unjudged: string[] = [];
    const matchForbidden = checkForbidden ? compileForbidden(defs.forbiddenFor(platform)) : undefined;
    const forbiddenScheme: VersionScheme = platform === undefined ? 'dotted' : defs.schemeFor(platform);

    for (const p of fact.packages as InstalledPackage[]) {
      if (!isRecord(p) || typeof p.name !== 'string' || typeof p.version !== 'string') {
        return malformed(ID, ctx.facts, 'packages');
      }
      let uncomparable = false;
      if (checkVulnerable && platform !== undefined) {
        const hit = vulnerability(defs, platform, p);
        uncomparable = hit.uncomparable;
        if (hit.finding) {
          vulnerable.push(hit.finding);
          fixes.push(`${p.name} ${hit.fixedVersion}`);
        }
      }
      if (matchForbidden) {
        for (const rule of matchForbidden(p.name)) {
          if (rule.belowVersion !== undefined) {
            const c = tryCompare(defs, forbiddenScheme, p.version, rule.belowVersion);
            if (c === undefined) uncomparable = true;
            if (c === undefined || c >= 0) continue;
          }
          forbidden.push({ kind: 'forbidden-package', name: p.name, version: p.version, detail: rule.reason });
          break;
        }
      }
      if (uncomparable) unjudged.push(`${p.name} ${p.version}`);
    }

    if (vulnerable.length > 0 || forbidden.length > 0) {
      const reasons: LocalizedText[] = [];
      const remediation: LocalizedText[] = [];
      if (vulnerable.length > 0) {
        const names = listOf(vulnerable.map((f) => `${f.name} ${f.version}`));
        reasons.push({
          en: `${plural(vulnerable.length, 'vulnerable package')}: ${names.en}`,
          ja: `脆弱性のあるパッケージが ${vulnerable.length} 件あります: ${names.ja}`,
        });
        const to = listOf(fixes);
        remediation.push({
          en: `Update these packages to at least the fixed version: ${to.en}.`,
          ja: `次のパッケージを修正済みのバージョン以降に更新してください: ${to.ja}`,
        });
      }
      if (forbidden.length > 0) {
        const names = listOf(forbidden.map((f) => f.name));
        reasons.push({
          en: `${plural(forbidden.length, 'forbidden package')} installed: ${names.en}`,
          ja: `許可されていないソフトウェアが ${forbidden.length} 件インストールされています: ${names.ja}`,
        });
        remediation.push({
          en: `Uninstall the software that is not allowed: ${names.en}.`,
          ja: `許可されていないソフトウェアをアンインストールしてください: ${names.ja}`,
        });
      }
      remediation.push(CONTACT_ADMIN);
      return failing(
        ID,
        'non-compliant-major',
        { en: reasons.map((r) => r.en).join('; '), ja: reasons.map((r) => r.ja).join('。') },
        remediation,
        evidence,
        { findings: [...vulnerable, ...forbidden] },
      );
    }

    if (!osRead.ok) return osRead.result;
    if (unjudged.length > 0) {
      const names = listOf(unjudged);
      return notJudged(
        ID,
        'unknown',
        { en: `cannot compare the versions of: ${names.en}`, ja: `次のパッケージのバージョンを比較できません: ${names.ja}` },
        evidence,
      );
    }
    if (platform === undefined && checkVulnerable) {
      return notJudged(
        ID,
        'unknown',
        {
          en: `no definitions cover ${os!.product} ${os!.version}`,
          ja: `${os!.product} ${os!.version} に対応する定義がありません`,
        },
        evidence,
      );
    }
    const n = fact.packages.length;
    const kinds: LocalizedText | undefined =
      checkVulnerable && checkForbidden
        ? { en: 'vulnerable or forbidden', ja: '脆弱性のあるパッケージや許可されていない' }
        : checkVulnerable
          ? { en: 'vulnerable', ja: '脆弱性のある' }
          : checkForbidden
            ? { en: 'forbidden', ja: '許可されていない' }
            : undefined;
    return compliant(
      ID,
      kinds
        ? { en: `no ${kinds.en} packages among ${n} installed`, ja: `インストール済みの ${n} 件に、${kinds.ja}パッケージはありません` }
        : { en: 'no package checks enabled', ja: 'パッケージの検査は有効になっていません' },
      evidence,
    );
  },
};

/** The finding for a package installed below some advisory's fixed version, if any. */
const NOT_VULNERABLE = { uncomparable: false } as const;

function vulnerability(
  defs: DefinitionsView,
  platform: string,
  p: InstalledPackage,
): { finding?: Finding; fixedVersion?: string; uncomparable: boolean } {
  const advisories = defs.advisoriesFor(platform, p.name);
  if (advisories.length === 0) return NOT_VULNERABLE;
  const ids = new Set<string>();
  let fixedVersion: string | undefined;
  let since: number | undefined;
  let uncomparable = false;
  for (const a of advisories) {
    const c = tryCompare(defs, a.scheme, p.version, a.fixedVersion);
    if (c === undefined) uncomparable = true;
    if (c === undefined || c >= 0) continue;
    if (a.cves.length > 0) for (const cve of a.cves) ids.add(cve);
    else ids.add(a.id);
    // The update must reach the highest fixed version among the advisories it is behind.
    if (fixedVersion === undefined || (tryCompare(defs, a.scheme, a.fixedVersion, fixedVersion) ?? 0) > 0) fixedVersion = a.fixedVersion;
    const t = timeOf(a.releasedAt);
    if (t !== undefined && (since === undefined || t < since)) since = t;
  }
  if (fixedVersion === undefined) return { uncomparable };
  const finding: Finding = { kind: 'vulnerable-package', name: p.name, version: p.version, detail: [...ids].join(', ') };
  if (since !== undefined) finding.since = new Date(since).toISOString();
  return { finding, fixedVersion, uncomparable };
}

/** The view's ordering, or undefined when a version is not valid under the scheme. */
function tryCompare(defs: DefinitionsView, scheme: VersionScheme, a: string, b: string): number | undefined {
  try {
    return defs.compare(scheme, a, b);
  } catch {
    return undefined;
  }
}

/**
 * Compiles forbidden rules into one matcher: exact names in a map (the common case, O(1)),
 * globs as anchored case-insensitive regular expressions.
 */
function compileForbidden(rules: readonly ForbiddenRule[]): (name: string) => readonly ForbiddenRule[] {
  const exact = new Map<string, ForbiddenRule[]>();
  const globs: { re: RegExp; rule: ForbiddenRule }[] = [];
  for (const rule of rules) {
    const key = rule.name.toLowerCase();
    if (!key.includes('*')) {
      const list = exact.get(key);
      if (list) list.push(rule);
      else exact.set(key, [rule]);
    } else {
      const source = key.split('*').map(escapeRegExp).join('.*');
      globs.push({ re: new RegExp(`^${source}$`, 'is'), rule });
    }
  }
  const none: readonly ForbiddenRule[] = [];
  if (exact.size === 0 && globs.length === 0) return () => none;
  return (name) => {
    const key = name.toLowerCase();
    const hits = exact.get(key);
    if (globs.length === 0) return hits ?? none;
    const matched = hits ? [...hits] : [];
    for (const g of globs) if (g.re.test(key)) matched.push(g.rule);
    return matched;
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

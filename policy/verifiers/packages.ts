/**
 * Installed packages against the definitions: vulnerable (installed below an advisory's fixed
 * version) and forbidden (matching a forbidden-software rule). Runs on every report of a full
 * inventory, so it asks for the inventory's judgement, memoised per inventory content, and the
 * view memoises per (platform, package, version) below that.
 */
import { judgeInventory } from '../definitions/inventory-judgement.js';
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
    const judgeVulnerable = checkVulnerable && platform !== undefined;
    const assess = defs.packageAssessor(platform);

    const flagged = judgeInventory(assess, fact, fact.packages);
    if (flagged === undefined) return malformed(ID, ctx.facts, 'packages');
    for (const { assessment: a, ...p } of flagged) {
      if (judgeVulnerable && a.vulnerable) {
        const finding: Finding = { kind: 'vulnerable-package', name: p.name, version: p.version, detail: a.vulnerable.ids.join(', ') };
        if (a.vulnerable.since !== undefined) finding.since = a.vulnerable.since;
        vulnerable.push(finding);
        fixes.push(`${p.name} ${a.vulnerable.fixedVersion}`);
      }
      if (checkForbidden && a.forbidden) forbidden.push({ kind: 'forbidden-package', name: p.name, version: p.version, detail: a.forbidden.reason });
      if ((judgeVulnerable && a.advisoryUncomparable) || (checkForbidden && a.forbiddenUncomparable)) unjudged.push(`${p.name} ${p.version}`);
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

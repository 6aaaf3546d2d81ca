/**
 * Pending security updates, with grace: an update pending longer than `graceDays` is major, a
 * younger one minor (warn). Grace counts from the fix's release date when the definitions know
 * it, else from this endpoint's first report of the update, else from now (just reported).
 */
import type { OsFact, PendingUpdate } from '../posture/facts.js';
import type { Advisory, DefinitionsView } from '../definitions/view.js';
import { evidenceOf, type Check, type CheckContext, type Finding, type LocalizedText } from './contract.js';
import { compliant, DAY_MS, failing, isRecord, malformed, osOf, readFact, timeOf } from './evidence.js';
import { listOf, plural } from './messages.js';

const ID = 'pending-updates';

export const pendingUpdatesCheck: Check<'pending-updates'> = {
  id: ID,
  reads: ['pendingUpdates', 'os'],
  evaluate(ctx, params) {
    const read = readFact(ID, ctx.facts, 'pendingUpdates');
    if (!read.ok) return read.result;
    const fact = read.value;
    if (!isRecord(fact) || !Array.isArray(fact.updates)) return malformed(ID, ctx.facts, 'pendingUpdates');

    const graceDays = params.graceDays ?? 0;
    const os = osOf(ctx.facts);
    const platform = os ? ctx.definitions.platformFor(os) : undefined;
    const evidence = [...(evidenceOf(ctx.facts, 'pendingUpdates') ?? []), ...(platform ? evidenceOf(ctx.facts, 'os') ?? [] : [])];
    const now = ctx.now.getTime();

    const security = fact.updates.filter((u): u is PendingUpdate => isRecord(u) && u.security === true);
    const others = fact.updates.length - security.length;
    const rebootRequired = fact.rebootRequired === true;

    if (security.length === 0 && !rebootRequired) {
      return compliant(
        ID,
        {
          en: 'no pending security updates' + (others > 0 ? ` (${plural(others, 'other update')} pending)` : ''),
          ja: '保留中のセキュリティ更新プログラムはありません' + (others > 0 ? `（その他の更新 ${others} 件が保留中）` : ''),
        },
        evidence,
      );
    }

    const findings: Finding[] = [];
    let pastGrace = 0;
    let oldest = Infinity;
    for (const u of security) {
      const since = sinceOf(u, platform, ctx);
      if ((now - since) / DAY_MS > graceDays) pastGrace++;
      if (since < oldest) oldest = since;
      const finding: Finding = { kind: 'pending-update', name: String(u.id), since: new Date(since).toISOString() };
      if (u.version !== undefined) finding.version = String(u.version);
      findings.push(finding);
    }

    const reasons: LocalizedText[] = [];
    if (security.length > 0) {
      reasons.push(
        pastGrace > 0
          ? {
              en: `${plural(security.length, 'pending security update')}, ${pastGrace} older than the ${graceDays}-day grace period`,
              ja: `保留中のセキュリティ更新プログラムが ${security.length} 件あり、うち ${pastGrace} 件が猶予期間（${graceDays} 日）を超えています`,
            }
          : {
              en: `${plural(security.length, 'pending security update')}, none older than the ${graceDays}-day grace period`,
              ja: `保留中のセキュリティ更新プログラムが ${security.length} 件あります（いずれも猶予期間 ${graceDays} 日以内）`,
            },
      );
    }
    if (rebootRequired) {
      reasons.push({ en: 'a restart is required to finish installing updates', ja: '更新プログラムのインストールを完了するには再起動が必要です' });
    }

    const remediation: LocalizedText[] = [];
    if (security.length > 0) remediation.push(installStep(os, listOf(security.map((u) => String(u.id)))));
    if (rebootRequired) {
      remediation.push({
        en: 'Restart the computer to finish installing the updates.',
        ja: '更新プログラムのインストールを完了するため、コンピューターを再起動してください。',
      });
    }

    const major = pastGrace > 0 || (rebootRequired && params.rebootRequiredIsMinor === false);
    return failing(
      ID,
      major ? 'non-compliant-major' : 'non-compliant-minor',
      { en: reasons.map((r) => r.en).join('; '), ja: reasons.map((r) => r.ja).join('。') },
      remediation,
      evidence,
      findings.length > 0 ? { findings, failingSince: new Date(oldest).toISOString() } : {},
    );
  },
};

/** When the update started to count for grace, in ms since epoch. */
function sinceOf(u: PendingUpdate, platform: string | undefined, ctx: CheckContext): number {
  if (platform !== undefined) {
    const released = earliestRelease(ctx.definitions, platform, u);
    if (released !== undefined) return released;
  }
  const first = ctx.firstReported.get(u.id)?.getTime();
  if (first !== undefined && !Number.isNaN(first)) return first;
  return ctx.now.getTime();
}

/**
 * The earliest release date among the advisories this update fixes: those whose fixed version
 * the update reaches (all of them when the update's version is not reported).
 */
function earliestRelease(defs: DefinitionsView, platform: string, u: PendingUpdate): number | undefined {
  let earliest: number | undefined;
  for (const a of defs.advisoriesFor(platform, u.package ?? u.id)) {
    const t = timeOf(a.releasedAt);
    if (t === undefined || (earliest !== undefined && t >= earliest)) continue;
    if (u.version !== undefined && reaches(defs, a, u.version) === false) continue;
    earliest = t;
  }
  return earliest;
}

/**
 * Whether installing `version` fixes the advisory; undefined when the versions cannot be
 * ordered, in which case the advisory still dates the update (the stricter reading).
 */
function reaches(defs: DefinitionsView, a: Advisory, version: string): boolean | undefined {
  try {
    return defs.compare(a.scheme, a.fixedVersion, version) <= 0;
  } catch {
    return undefined;
  }
}

function installStep(os: OsFact | undefined, ids: LocalizedText): LocalizedText {
  switch (os?.family) {
    case 'windows':
      return {
        en: `Run Windows Update and install the pending security updates (${ids.en}).`,
        ja: `Windows Update を実行して、保留中のセキュリティ更新プログラム（${ids.ja}）をインストールしてください。`,
      };
    case 'macos':
      return {
        en: `Open System Settings > General > Software Update and install the pending updates (${ids.en}).`,
        ja: `システム設定の「一般」>「ソフトウェアアップデート」を開き、保留中のアップデート（${ids.ja}）をインストールしてください。`,
      };
    case 'linux': {
      const command = linuxUpgradeCommand(os.product);
      return {
        en: `Install the pending security updates (${ids.en}) with the package manager, for example: ${command}`,
        ja: `パッケージマネージャーで保留中のセキュリティ更新（${ids.ja}）をインストールしてください。例: ${command}`,
      };
    }
    default:
      return {
        en: `Install the pending security updates (${ids.en}).`,
        ja: `保留中のセキュリティ更新プログラム（${ids.ja}）をインストールしてください。`,
      };
  }
}

function linuxUpgradeCommand(product: string): string {
  if (/debian|ubuntu|mint|raspbian/i.test(product)) return 'sudo apt-get update && sudo apt-get upgrade';
  if (/red ?hat|rhel|fedora|centos|rocky|alma|oracle/i.test(product)) return 'sudo dnf upgrade --security';
  if (/suse/i.test(product)) return 'sudo zypper patch --category security';
  return 'sudo apt-get upgrade / sudo dnf upgrade --security';
}

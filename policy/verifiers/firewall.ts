/** The host firewall must be on for every profile (Windows Domain/Private/Public, or "default"). */
import { evidenceOf, type Check } from './contract.js';
import { compliant, failing, isRecord, malformed, notJudged, readFact } from './evidence.js';
import { listOf } from './messages.js';

const ID = 'firewall';

export const firewallCheck: Check<'firewall'> = {
  id: ID,
  reads: ['firewall'],
  evaluate(ctx) {
    const read = readFact(ID, ctx.facts, 'firewall');
    if (!read.ok) return read.result;
    const fact = read.value;
    if (!isRecord(fact) || !Array.isArray(fact.profiles) || !fact.profiles.every(isRecord)) {
      return malformed(ID, ctx.facts, 'firewall');
    }
    const evidence = evidenceOf(ctx.facts, 'firewall') ?? [];
    if (fact.profiles.length === 0) {
      return notJudged(ID, 'unknown', { en: 'no firewall profiles reported', ja: 'ファイアウォールのプロファイルが報告されていません' }, evidence);
    }
    // Anything but an explicit `true` counts as off: a profile we cannot read is not protecting.
    const off = fact.profiles.filter((p) => p.enabled !== true).map((p) => String(p.name));
    if (off.length > 0) {
      const names = listOf(off, 10);
      return failing(
        ID,
        'non-compliant-major',
        { en: `firewall is off for: ${names.en}`, ja: `次のプロファイルでファイアウォールが無効になっています: ${names.ja}` },
        [
          { en: `Turn on the firewall for: ${names.en}.`, ja: `次のプロファイルでファイアウォールを有効にしてください: ${names.ja}` },
          {
            en: 'On Windows: open Windows Security > Firewall & network protection and turn on each network profile.',
            ja: 'Windows の場合は「Windows セキュリティ」>「ファイアウォールとネットワーク保護」を開き、各ネットワーク プロファイルをオンにしてください。',
          },
        ],
        evidence,
      );
    }
    const names = listOf(fact.profiles.map((p) => String(p.name)), 10);
    return compliant(ID, { en: `firewall is on for: ${names.en}`, ja: `ファイアウォールは有効です: ${names.ja}` }, evidence);
  },
};

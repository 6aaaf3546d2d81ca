/**
 * OS product and version against a minimum per product. The most specific listed product wins,
 * so "Windows 11 Enterprise" can have its own minimum beside "Windows 11".
 */
import { evidenceOf, type Check } from './contract.js';
import { compliant, failing, isRecord, malformed, readFact } from './evidence.js';
import { CONTACT_ADMIN } from './messages.js';

const ID = 'os-version';

export const osVersionCheck: Check<'os-version'> = {
  id: ID,
  reads: ['os'],
  evaluate(ctx, params) {
    const read = readFact(ID, ctx.facts, 'os');
    if (!read.ok) return read.result;
    const os = read.value;
    if (!isRecord(os) || typeof os.product !== 'string' || typeof os.version !== 'string') {
      return malformed(ID, ctx.facts, 'os');
    }
    const evidence = evidenceOf(ctx.facts, 'os') ?? [];
    const { product, version } = os;
    const name = product.toLowerCase();

    let rule: { product: string; version: string } | undefined;
    for (const m of params.minimum ?? []) {
      const prefix = m.product.toLowerCase();
      if (name.startsWith(prefix) && (!rule || prefix.length > rule.product.length)) rule = m;
    }

    if (!rule) {
      if (params.unlisted === 'pass') {
        return compliant(
          ID,
          { en: `${product} ${version} has no minimum; unlisted products are allowed`, ja: `${product} ${version} には最低バージョンの指定がなく、許可されています` },
          evidence,
        );
      }
      return failing(
        ID,
        'non-compliant-major',
        { en: `${product} is not an approved operating system`, ja: `${product} は許可されている OS ではありません` },
        [
          {
            en: 'Connect with a device that runs a supported operating system, or ask your IT administrator for an exception.',
            ja: 'サポートされている OS の端末で接続するか、IT 管理者に例外を申請してください。',
          },
        ],
        evidence,
      );
    }

    const platform = ctx.definitions.platformFor(os);
    const scheme = platform === undefined ? 'dotted' : ctx.definitions.schemeFor(platform);
    if (ctx.definitions.compare(scheme, version, rule.version) < 0) {
      return failing(
        ID,
        'non-compliant-major',
        {
          en: `${product} ${version} is below the minimum version ${rule.version}`,
          ja: `${product} ${version} は最低バージョン ${rule.version} を下回っています`,
        },
        [
          { en: `Upgrade ${product} to version ${rule.version} or later.`, ja: `${product} をバージョン ${rule.version} 以降にアップグレードしてください。` },
          CONTACT_ADMIN,
        ],
        evidence,
      );
    }
    return compliant(
      ID,
      { en: `${product} ${version} meets the minimum version ${rule.version}`, ja: `${product} ${version} は最低バージョン ${rule.version} を満たしています` },
      evidence,
    );
  },
};

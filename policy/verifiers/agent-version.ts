/**
 * Minimum Kenneki agent version. Reports from standard NEA clients (strongSwan, ...) carry their
 * own name and version, which Kenneki's minimum says nothing about; those are not judged.
 */
import { evidenceOf, type Check } from './contract.js';
import { compliant, failing, isRecord, malformed, notJudged, readFact } from './evidence.js';

const ID = 'agent-version';
const KENNEKI_AGENT = 'kenneki-agent';

export const agentVersionCheck: Check<'agent-version'> = {
  id: ID,
  reads: ['agent'],
  evaluate(ctx, params) {
    const read = readFact(ID, ctx.facts, 'agent');
    if (!read.ok) return read.result;
    const agent = read.value;
    if (!isRecord(agent) || typeof agent.name !== 'string' || typeof agent.version !== 'string') {
      return malformed(ID, ctx.facts, 'agent');
    }
    const evidence = evidenceOf(ctx.facts, 'agent') ?? [];
    if (agent.name !== KENNEKI_AGENT) {
      return compliant(
        ID,
        { en: `${agent.name} ${agent.version} is not a Kenneki agent; not judged`, ja: `${agent.name} ${agent.version} は Kenneki エージェントではないため、判定の対象外です` },
        evidence,
      );
    }
    if (typeof params.minimum !== 'string') {
      return notJudged(ID, 'error', { en: 'no minimum agent version configured', ja: 'エージェントの最低バージョンが設定されていません' }, evidence);
    }
    if (ctx.definitions.compare('semver', agent.version, params.minimum) < 0) {
      return failing(
        ID,
        'non-compliant-major',
        {
          en: `Kenneki agent ${agent.version} is older than the minimum ${params.minimum}`,
          ja: `Kenneki エージェント ${agent.version} は最低バージョン ${params.minimum} より古いです`,
        },
        [
          {
            en: `Update the Kenneki agent to version ${params.minimum} or later, then restart it.`,
            ja: `Kenneki エージェントをバージョン ${params.minimum} 以降に更新し、再起動してください。`,
          },
        ],
        evidence,
      );
    }
    return compliant(
      ID,
      { en: `Kenneki agent ${agent.version} meets the minimum ${params.minimum}`, ja: `Kenneki エージェント ${agent.version} は最低バージョン ${params.minimum} を満たしています` },
      evidence,
    );
  },
};

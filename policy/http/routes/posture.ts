/**
 * Posture ingestion as JSON, authenticated by the device credential. It serves tests and the
 * clientless portal; the agent itself speaks PT-TLS. The reply is sent only after the report and
 * its verdict are committed, so an acknowledged report is never lost.
 */
import type { FastifyInstance } from 'fastify';
import type { PostureReport } from '../../posture/facts.js';
import { PostureReportSchema } from '../../posture/schema.js';
import { KennekiError } from '../../errors.js';
import { principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

/** Reports dated this far in the future are clock errors or forgeries: rejected, not trusted. */
const MAX_CLOCK_SKEW_MS = 10 * 60_000;

export async function postureRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/v1/posture', { schema: { tags: ['posture'], body: PostureReportSchema }, config: { access: 'device' } }, async (req) => {
    const p = principalOf(req);
    if (p.kind !== 'device') throw new KennekiError('KENNEKI_ERR_FORBIDDEN', 'posture is reported with a device credential');
    const report = req.body as PostureReport;
    if (Date.parse(report.reportedAt) - ctx.clock.now().getTime() > MAX_CLOCK_SKEW_MS) {
      ctx.metrics.ingested.inc({ result: 'rejected' });
      throw new KennekiError('KENNEKI_ERR_POSTURE_INVALID', 'body.reportedAt: is in the future; check the device clock', { details: { path: 'body.reportedAt' } });
    }
    const { decision, outcome } = await ctx.pdp.ingest(p.tenantId, p.endpointId, report, 'http');
    ctx.metrics.ingested.inc({ result: 'accepted' });
    return {
      verdict: decision.verdict,
      changed: outcome.changed,
      reasons: decision.reasons,
      remediation: decision.remediation,
      ...(decision.remediationUrl ? { remediationUrl: decision.remediationUrl } : {}),
    };
  });
}

/**
 * A remote gateway reports drift it found and repaired in its nft table (someone edited or
 * flushed it), so the repair is in the audit log of every tenant the gateway serves, as a local
 * gateway's is (`allowlist.drift-repaired`).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export const GATEWAY_DRIFT_PATH = '/api/v1/gateway/drift';

const DriftBody = Type.Object(
  {
    table: Type.String({ minLength: 1, maxLength: 32 }),
    drift: Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);

export async function gatewayDriftRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const feed = ctx.gatewayFeed;
  if (!feed || feed.gateways.length === 0) return;
  app.post(GATEWAY_DRIFT_PATH, { schema: { tags: ['gateway'], body: DriftBody }, config: { access: 'gateway' } }, async (req, reply) => {
    const gw = req.gateway!;
    const body = req.body as Static<typeof DriftBody>;
    for (const tenantId of gw.tenants) {
      await ctx.store.audit.append(tenantId, {
        actor: `gateway:${gw.name}`, actorKind: 'system', action: 'allowlist.drift-repaired', targetType: 'nft-table', targetId: body.table, after: { drift: body.drift }, sourceIp: req.ip,
      });
    }
    ctx.log.warn({ evt: 'GATEWAY_DRIFT_REPORTED', gateway: gw.name, table: body.table, drift: body.drift.slice(0, 5) }, `gateway ${gw.name} repaired drift in its table ${body.table}`);
    return reply.code(204).send();
  });
}

/**
 * Network sessions as enforcement points saw them: which switch port or VPN a device is on, with
 * which IP, user and VLAN. What an admin asks when a device "cannot reach anything".
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KennekiError } from '../../errors.js';
import { normalizeMac } from '../../util/mac.js';
import { principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const SessionQuery = Type.Object(
  {
    mac: Type.Optional(Type.String({ maxLength: 32 })),
    ip: Type.Optional(Type.String({ maxLength: 45 })),
    active: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

export async function sessionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/sessions', { schema: { tags: ['sessions'], querystring: SessionQuery }, config: { access: 'viewer' } }, async (req) => {
    const q = req.query as Static<typeof SessionQuery>;
    const mac = q.mac === undefined ? undefined : normalizeMac(q.mac.trim());
    if (q.mac !== undefined && mac === undefined) throw new KennekiError('KENNEKI_ERR_VALIDATION', `querystring.mac: "${q.mac}" is not a MAC address`, { details: { path: 'querystring.mac' } });
    return ctx.store.sessions.list(principalOf(req).tenantId, {
      ...(mac !== undefined ? { mac } : {}),
      ...(q.ip !== undefined ? { ip: q.ip } : {}),
      ...(q.active !== undefined ? { active: q.active } : {}),
      limit: q.limit,
      offset: q.offset,
    });
  });
}

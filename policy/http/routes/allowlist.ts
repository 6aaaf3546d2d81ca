/**
 * The allow-list as gateways enforce it, per tenant: each address Kenneki knows, what gateways do
 * with it (allowed, quarantined, denied) and the MAC it is bound to on direct segments. What an
 * admin asks when "the VPN works but nothing is reachable". Addresses not listed are quarantined.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ACCESS_CLASSES } from '../../addresses/access.js';
import { KennekiError } from '../../errors.js';
import { ipv4ToInt } from '../../util/ipv4.js';
import { Enum } from '../../util/schema.js';
import { principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const Query = Type.Object(
  {
    ip: Type.Optional(Type.String({ maxLength: 15 })),
    access: Type.Optional(Enum(ACCESS_CLASSES)),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

export async function allowlistRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/allowlist', { schema: { tags: ['gateway'], querystring: Query }, config: { access: 'viewer' } }, async (req) => {
    const q = req.query as Static<typeof Query>;
    if (q.ip !== undefined && ipv4ToInt(q.ip) === undefined) throw new KennekiError('KENNEKI_ERR_VALIDATION', `querystring.ip: "${q.ip}" is not an IPv4 address`, { details: { path: 'querystring.ip' } });
    if (!ctx.addresses) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', 'the gateway allow-list is not enabled (allowlist.enabled)');
    const tenantId = principalOf(req).tenantId;
    const all = ctx.addresses
      .snapshot([tenantId])
      .filter((e) => (q.ip === undefined || e.ip === q.ip) && (q.access === undefined || e.access === q.access))
      .sort((a, b) => (ipv4ToInt(a.ip) ?? 0) - (ipv4ToInt(b.ip) ?? 0));
    const items = all.slice(q.offset, q.offset + q.limit).map(({ ip, mac, access }) => ({ ip, ...(mac !== undefined ? { mac } : {}), access }));
    return { items, total: all.length, limit: q.limit, offset: q.offset };
  });
}

/**
 * DHCP leases as Kenneki's DHCP server bound them: which MAC holds which address, from which pool
 * (production, quarantine, registration), until when. What an admin asks when a laptop "got a
 * quarantine address", and what a gateway allow-list reads.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KennekiError } from '../../errors.js';
import { ipv4ToInt } from '../../util/ipv4.js';
import { normalizeMac } from '../../util/mac.js';
import { principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const LeaseQuery = Type.Object(
  {
    mac: Type.Optional(Type.String({ maxLength: 32 })),
    ip: Type.Optional(Type.String({ maxLength: 15 })),
    scope: Type.Optional(Type.String({ maxLength: 63 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

export async function dhcpLeaseRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/dhcp/leases', { schema: { tags: ['dhcp'], querystring: LeaseQuery }, config: { access: 'viewer' } }, async (req) => {
    const q = req.query as Static<typeof LeaseQuery>;
    const mac = q.mac === undefined ? undefined : normalizeMac(q.mac.trim());
    if (q.mac !== undefined && mac === undefined) throw new KennekiError('KENNEKI_ERR_VALIDATION', `querystring.mac: "${q.mac}" is not a MAC address`, { details: { path: 'querystring.mac' } });
    if (q.ip !== undefined && ipv4ToInt(q.ip) === undefined) throw new KennekiError('KENNEKI_ERR_VALIDATION', `querystring.ip: "${q.ip}" is not an IPv4 address`, { details: { path: 'querystring.ip' } });
    return ctx.store.dhcpLeases.list(principalOf(req).tenantId, {
      ...(mac !== undefined ? { mac } : {}),
      ...(q.ip !== undefined ? { ip: q.ip } : {}),
      ...(q.scope !== undefined ? { scope: q.scope } : {}),
      limit: q.limit,
      offset: q.offset,
    });
  });
}

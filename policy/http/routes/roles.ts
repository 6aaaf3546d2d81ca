/**
 * Network roles: CRUD. Operators manage roles like exceptions, except roles that grant admin API
 * access (`adminRole`): creating, changing or deleting one of those changes who administers the
 * tenant, so it takes an admin.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NetworkRole } from '../../decide/role.js';
import { RoleInputSchema } from '../../decide/schema.js';
import { hasRole } from '../../auth/principal.js';
import { KennekiError } from '../../errors.js';
import type { RoleInput } from '../../service/admin-changes.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** Roles that carry `adminRole` (before or after the change) are an admin's business. */
function assertMayManage(req: FastifyRequest, ...touched: (Pick<NetworkRole, 'adminRole'> | undefined)[]): void {
  const grants = touched.find((r) => r?.adminRole !== undefined)?.adminRole;
  if (grants === undefined || hasRole(principalOf(req), 'admin')) return;
  throw new KennekiError('KENNEKI_ERR_FORBIDDEN', `only an admin may create, change or delete a role with adminRole (this one grants "${grants}" access to the admin API)`);
}

export async function roleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/roles', { schema: { tags: ['roles'] }, config: { access: 'viewer' } }, async (req) => ({
    items: await ctx.store.roles.list(principalOf(req).tenantId),
  }));

  app.get('/api/v1/roles/:id', { schema: { tags: ['roles'], params: IdParams }, config: { access: 'viewer' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const r = await ctx.store.roles.get(principalOf(req).tenantId, id);
    if (!r) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `role ${id} not found`);
    return r;
  });

  app.post('/api/v1/roles', { schema: { tags: ['roles'], body: RoleInputSchema }, config: { access: 'operator' } }, async (req, reply) => {
    const input = req.body as RoleInput;
    assertMayManage(req, input);
    return reply.code(201).send(await ctx.changes.createRole(principalOf(req).tenantId, input, actorOf(req)));
  });

  app.put('/api/v1/roles/:id', { schema: { tags: ['roles'], params: IdParams, body: RoleInputSchema }, config: { access: 'operator' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const { tenantId } = principalOf(req);
    const input = req.body as RoleInput;
    // Not found first: whether a role exists is no secret to an operator, its adminRole decides.
    const existing = await ctx.store.roles.get(tenantId, id);
    if (!existing) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `role ${id} not found`);
    // Both sides: granting admin access, and changing who holds it (groups) or taking it away.
    assertMayManage(req, existing, input);
    return ctx.changes.updateRole(tenantId, id, input, actorOf(req));
  });

  app.delete('/api/v1/roles/:id', { schema: { tags: ['roles'], params: IdParams }, config: { access: 'operator' } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    const { tenantId } = principalOf(req);
    const existing = await ctx.store.roles.get(tenantId, id);
    if (!existing) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `role ${id} not found`);
    assertMayManage(req, existing);
    await ctx.changes.deleteRole(tenantId, id, actorOf(req));
    return reply.code(204).send();
  });
}

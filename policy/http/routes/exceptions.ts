/** Exceptions: CRUD. Expiry needs no call: the sweeper re-evaluates when it comes. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ExceptionInputSchema } from '../../decide/schema.js';
import { KennekiError } from '../../errors.js';
import type { ExceptionInput } from '../../service/admin-changes.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const ListQuery = Type.Object({ include_expired: Type.Boolean({ default: false }) }, { additionalProperties: false });

export async function exceptionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/exceptions', { schema: { tags: ['exceptions'], querystring: ListQuery }, config: { access: 'viewer' } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    return { items: await ctx.store.exceptions.list(principalOf(req).tenantId, { includeExpired: q.include_expired, now: ctx.clock.now().toISOString() }) };
  });

  app.get('/api/v1/exceptions/:id', { schema: { tags: ['exceptions'], params: IdParams }, config: { access: 'viewer' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const e = await ctx.store.exceptions.get(principalOf(req).tenantId, id);
    if (!e) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `exception ${id} not found`);
    return e;
  });

  app.post('/api/v1/exceptions', { schema: { tags: ['exceptions'], body: ExceptionInputSchema }, config: { access: 'operator' } }, async (req, reply) => {
    const input = normalized(req.body as ExceptionInput);
    return reply.code(201).send(await ctx.changes.createException(principalOf(req).tenantId, input, actorOf(req)));
  });

  app.put('/api/v1/exceptions/:id', { schema: { tags: ['exceptions'], params: IdParams, body: ExceptionInputSchema }, config: { access: 'operator' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    return ctx.changes.updateException(principalOf(req).tenantId, id, normalized(req.body as ExceptionInput), actorOf(req));
  });

  app.delete('/api/v1/exceptions/:id', { schema: { tags: ['exceptions'], params: IdParams }, config: { access: 'operator' } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    await ctx.changes.deleteException(principalOf(req).tenantId, id, actorOf(req));
    return reply.code(204).send();
  });
}

/** Stored in UTC so expiry comparisons are plain string comparisons in every store. */
function normalized(e: ExceptionInput): ExceptionInput {
  return { ...e, expiresAt: new Date(e.expiresAt).toISOString() };
}

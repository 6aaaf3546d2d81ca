/** Policies: CRUD and the what-if dry run over stored posture. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Policy } from '../../decide/policy.js';
import { PolicyInputSchema } from '../../decide/schema.js';
import { KennekiError } from '../../errors.js';
import { assertQuarantineAllow, type PolicyInput } from '../../service/admin-changes.js';
import { newId } from '../../util/ids.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const WhatIfBody = Type.Object(
  {
    /** Policies to add (no id) or replace (with the id of an existing policy). */
    // One object schema, not an intersection: PolicyInputSchema rejects unknown keys, so in an
    // allOf it would reject `id` and no existing policy could ever be replaced.
    upsert: Type.Array(Type.Object({ ...PolicyInputSchema.properties, id: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }), {
      maxItems: 64,
      default: [],
    }),
    delete: Type.Array(Type.String({ format: 'uuid' }), { maxItems: 256, default: [] }),
    sampleLimit: Type.Integer({ minimum: 0, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

export async function policyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/policies', { schema: { tags: ['policies'] }, config: { access: 'viewer' } }, async (req) => ({
    items: await ctx.store.policies.list(principalOf(req).tenantId),
  }));

  app.get('/api/v1/policies/:id', { schema: { tags: ['policies'], params: IdParams }, config: { access: 'viewer' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const p = await ctx.store.policies.get(principalOf(req).tenantId, id);
    if (!p) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `policy ${id} not found`);
    return p;
  });

  app.post('/api/v1/policies', { schema: { tags: ['policies'], body: PolicyInputSchema }, config: { access: 'admin' } }, async (req, reply) => {
    const p = await ctx.changes.createPolicy(principalOf(req).tenantId, req.body as PolicyInput, actorOf(req));
    return reply.code(201).send(p);
  });

  app.put('/api/v1/policies/:id', { schema: { tags: ['policies'], params: IdParams, body: PolicyInputSchema }, config: { access: 'admin' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    return ctx.changes.updatePolicy(principalOf(req).tenantId, id, req.body as PolicyInput, actorOf(req));
  });

  app.delete('/api/v1/policies/:id', { schema: { tags: ['policies'], params: IdParams }, config: { access: 'admin' } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    await ctx.changes.deletePolicy(principalOf(req).tenantId, id, actorOf(req));
    return reply.code(204).send();
  });

  // Read-only for the store, so operators may ask; the answer is what a change *would* do.
  app.post('/api/v1/policies/what-if', { schema: { tags: ['policies'], body: WhatIfBody }, config: { access: 'operator' } }, async (req) => {
    const body = req.body as Static<typeof WhatIfBody>;
    const { tenantId } = principalOf(req);
    const current = await ctx.store.policies.list(tenantId);
    const at = ctx.clock.now().toISOString();
    const byId = new Map(current.filter((p) => !body.delete.includes(p.id)).map((p) => [p.id, p]));
    for (const [i, u] of (body.upsert as (PolicyInput & { id?: string })[]).entries()) {
      // The same host checks as a real create/update: a dry run must not accept what a save refuses.
      assertQuarantineAllow(u, `body.upsert[${i}]`);
      const existing = u.id ? byId.get(u.id) : undefined;
      if (u.id && !existing && !current.some((p) => p.id === u.id)) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `policy ${u.id} not found`);
      const id = u.id ?? newId();
      byId.set(id, { ...u, id, tenantId, revision: (existing?.revision ?? 0) + 1, createdAt: existing?.createdAt ?? at, updatedAt: at } as Policy);
    }
    return ctx.pdp.whatIf(tenantId, [...byId.values()], body.sampleLimit);
  });
}

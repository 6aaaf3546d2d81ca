/**
 * Endpoints: the per-PC compliance list (filters, sorting, server-side paging), detail with posture,
 * check results, trace and verdict history, registration with a device credential, and deletion
 * (which removes everything stored about the device).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AccountService } from '../../auth/accounts.js';
import { KennekiError } from '../../errors.js';
import type { EndpointSortField } from '../../store/repository.js';
import { normalizeMac } from '../../util/mac.js';
import { Enum } from '../../util/schema.js';
import { CHECK_IDS } from '../../verifiers/contract.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const SORTS = ['last_seen', 'first_seen', 'hostname', 'verdict', 'mac', 'owner'] as const;
const Time = Type.String({ format: 'date-time' });

const ListQuery = Type.Object(
  {
    verdict: Type.Optional(Enum(['allow', 'isolate', 'deny'])),
    failing_check: Type.Optional(Enum(CHECK_IDS)),
    missing_patch: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    package: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    tenant: Type.Optional(Type.String({ maxLength: 63 })),
    last_seen_before: Type.Optional(Time),
    last_seen_after: Type.Optional(Time),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    sort: Type.Optional(Enum([...SORTS, ...SORTS.map((s) => `-${s}`)], { default: '-last_seen' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

const NewEndpointBody = Type.Object(
  {
    mac: Type.Optional(Type.String({ maxLength: 32 })),
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    owner: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);

const PatchEndpointBody = Type.Omit(NewEndpointBody, ['deviceId']);
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

function macOf(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  // Typed by an admin: surrounding spaces are forgiven here, not on the wire.
  const mac = normalizeMac(input.trim());
  if (!mac) throw new KennekiError('KENNEKI_ERR_VALIDATION', `body.mac: "${input}" is not a MAC address`, { details: { path: 'body.mac' } });
  return mac;
}

export async function endpointRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/endpoints', { schema: { tags: ['endpoints'], querystring: ListQuery }, config: { access: 'viewer' } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const { tenantId } = principalOf(req);
    if (q.tenant !== undefined && q.tenant !== tenantId) throw new KennekiError('KENNEKI_ERR_FORBIDDEN', `token is not valid for tenant "${q.tenant}"`);
    const sort = q.sort ?? '-last_seen';
    return ctx.store.endpoints.list(tenantId, {
      ...(q.verdict ? { verdict: q.verdict } : {}),
      ...(q.failing_check ? { failingCheck: q.failing_check } : {}),
      ...(q.missing_patch ? { missingPatch: q.missing_patch } : {}),
      ...(q.package ? { packageName: q.package } : {}),
      ...(q.group ? { group: q.group } : {}),
      ...(q.last_seen_before ? { lastSeenBefore: new Date(q.last_seen_before).toISOString() } : {}),
      ...(q.last_seen_after ? { lastSeenAfter: new Date(q.last_seen_after).toISOString() } : {}),
      ...(q.q ? { search: q.q } : {}),
      sort: { field: sort.replace(/^-/, '') as EndpointSortField, dir: sort.startsWith('-') ? 'desc' : 'asc' },
      limit: q.limit,
      offset: q.offset,
    });
  });

  app.get('/api/v1/endpoints/:id', { schema: { tags: ['endpoints'], params: IdParams }, config: { access: 'viewer' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const { tenantId } = principalOf(req);
    const endpoint = await ctx.store.endpoints.get(tenantId, id);
    if (!endpoint) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `endpoint ${id} not found`);
    const [state] = await ctx.store.assessments.loadState(tenantId, [id]);
    const [checks, findings, history, decision] = await Promise.all([
      ctx.store.verdicts.checkResults(tenantId, id),
      ctx.store.verdicts.findings(tenantId, id),
      ctx.store.verdicts.history(tenantId, id, 50),
      ctx.store.verdicts.current(tenantId, id),
    ]);
    return {
      endpoint,
      groups: state?.groups ?? [],
      posture: state?.posture ?? null,
      checks,
      findings,
      // The latest evaluation, not the latest history row: history keeps material changes only.
      decision: decision ?? history[0]?.decision ?? null,
      history: history.map(({ decision, ...h }) => ({ ...h, reasons: decision.reasons })),
    };
  });

  app.post('/api/v1/endpoints', { schema: { tags: ['endpoints'], body: NewEndpointBody }, config: { access: 'operator' } }, async (req, reply) => {
    const body = req.body as Static<typeof NewEndpointBody>;
    const { tenantId } = principalOf(req);
    const { credential, hash } = AccountService.newDeviceCredential();
    const mac = macOf(body.mac);
    const endpoint = await ctx.store.endpoints.create(
      tenantId,
      { ...body, ...(mac ? { mac } : {}), credentialHash: hash },
      ctx.clock.now().toISOString(),
      { ...actorOf(req), action: 'endpoint.create', targetType: 'endpoint' },
    );
    // Registration runs the engine once, so an endpoint with no posture gets the default verdict
    // and its explanation rather than an empty trace.
    await ctx.pdp.reevaluate(tenantId, [endpoint.id], 'registration');
    // Enforcement points may remember this MAC as unknown; they must see the registration now.
    if (endpoint.mac) ctx.admission.forget(tenantId, endpoint.mac);
    // Its computer account's groups, looked up in the background (they may choose its policy).
    if (endpoint.hostname) ctx.identity.noteDevice(tenantId, endpoint.hostname);
    // Known only by MAC: its directory entry may name its host and owner (MAB devices).
    else if (endpoint.mac) ctx.identity.noteMac(tenantId, endpoint.id, endpoint.mac);
    return reply.code(201).send({ endpoint: (await ctx.store.endpoints.get(tenantId, endpoint.id))!, deviceCredential: credential });
  });

  app.patch('/api/v1/endpoints/:id', { schema: { tags: ['endpoints'], params: IdParams, body: PatchEndpointBody }, config: { access: 'operator' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const body = req.body as Static<typeof PatchEndpointBody>;
    const { tenantId } = principalOf(req);
    const mac = macOf(body.mac);
    const before = mac ? await ctx.store.endpoints.get(tenantId, id) : undefined;
    const updated = await ctx.store.endpoints.update(tenantId, id, { ...body, ...(mac ? { mac } : {}) }, { ...actorOf(req), action: 'endpoint.update', targetType: 'endpoint' });
    if (!updated) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `endpoint ${id} not found`);
    // Owner and tags select the policy, so the verdict may move.
    await ctx.pdp.reevaluate(tenantId, [id], 'identity-change');
    // A MAC moved: the old one no longer names this endpoint, the new one does.
    for (const m of [before?.mac, mac]) if (m) ctx.admission.forget(tenantId, m);
    // Gateways too: the new MAC's leases are this endpoint's now.
    await ctx.addresses?.endpointChanged(tenantId, id);
    if (body.hostname) ctx.identity.noteDevice(tenantId, body.hostname);
    return { endpoint: (await ctx.store.endpoints.get(tenantId, id))! };
  });

  app.post('/api/v1/endpoints/:id/credential', { schema: { tags: ['endpoints'], params: IdParams }, config: { access: 'operator' } }, async (req) => {
    const { id } = req.params as Static<typeof IdParams>;
    const { credential, hash } = AccountService.newDeviceCredential();
    if (!(await ctx.store.endpoints.setCredential(principalOf(req).tenantId, id, hash, { ...actorOf(req), action: 'endpoint.credential-rotate', targetType: 'endpoint' }))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `endpoint ${id} not found`);
    }
    return { deviceCredential: credential };
  });

  app.post('/api/v1/endpoints/:id/reassess', { schema: { tags: ['endpoints'], params: IdParams }, config: { access: 'operator' } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    const { tenantId } = principalOf(req);
    if (!(await ctx.store.endpoints.get(tenantId, id))) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `endpoint ${id} not found`);
    // Only a client that kept its PT-TLS connection open can be asked now (SRETRY); others are
    // reassessed when they next report, and stored posture is re-evaluated on every change anyway.
    if (!(await ctx.openSessions.retry(tenantId, id))) {
      throw new KennekiError('KENNEKI_ERR_NO_OPEN_SESSION', `endpoint ${id} has no open PT-TLS session that can reassess now; it is reassessed when it next reports`);
    }
    await ctx.store.audit.append(tenantId, { ...actorOf(req), action: 'endpoint.reassess', targetType: 'endpoint', targetId: id });
    return reply.code(202).send({ reassessment: 'requested' });
  });

  app.delete('/api/v1/endpoints/:id', { schema: { tags: ['endpoints'], params: IdParams }, config: { access: 'operator' } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    const { tenantId } = principalOf(req);
    const before = await ctx.store.endpoints.get(tenantId, id);
    if (!(await ctx.store.endpoints.delete(tenantId, id, { ...actorOf(req), action: 'endpoint.delete', targetType: 'endpoint' }))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `endpoint ${id} not found`);
    }
    // A deleted endpoint's MAC is unknown from now on, not admitted on its old verdict.
    if (before?.mac) ctx.admission.forget(tenantId, before.mac);
    // And its addresses are no longer allowed on its verdict at any gateway.
    await ctx.addresses?.endpointChanged(tenantId, id);
    return reply.code(204).send();
  });
}

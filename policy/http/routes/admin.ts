/** Login, tokens, identities (groups, until the directory connector fills them) and the audit log. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KennekiError } from '../../errors.js';
import { Enum } from '../../util/schema.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const LoginBody = Type.Object(
  { tenant: Type.String({ default: 'default', maxLength: 63 }), username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
const TokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), role: Type.Optional(Enum(['admin', 'operator', 'viewer'])), ttlHours: Type.Optional(Type.Number({ minimum: 1, maximum: 24 * 366 })) },
  { additionalProperties: false },
);
const IdentityParams = Type.Object({ kind: Enum(['user', 'device']), name: Type.String({ minLength: 1, maxLength: 256 }) });
const IdentityBody = Type.Object({ groups: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1024 }) }, { additionalProperties: false });
const AuditQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    before_id: Type.Optional(Type.Integer({ minimum: 1 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    target_type: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export async function adminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/v1/auth/login', { schema: { tags: ['auth'], body: LoginBody }, config: { access: 'public' } }, async (req) => {
    const body = req.body as Static<typeof LoginBody>;
    const meta = { requestId: req.id, sourceIp: req.ip };
    // A local account with a password logs in locally; anyone else is a directory user when the
    // tenant has directories (members of a role with an adminRole).
    const local = await ctx.store.accounts.findForLogin(body.tenant, body.username);
    const viaDirectory = local?.passwordHash === undefined && ctx.identity.hasDirectories(body.tenant);
    const session = viaDirectory ? await ctx.directoryAdmins.login(body.tenant, body.username, body.password, meta) : await ctx.accounts.login(body.tenant, body.username, body.password, meta);
    if (!session && viaDirectory) await ctx.accounts.recordFailedLogin(body.tenant, body.username, meta);
    if (!session) {
      ctx.metrics.authFailures.inc({ kind: 'login' });
      throw new KennekiError('KENNEKI_ERR_UNAUTHENTICATED', 'wrong tenant, username or password');
    }
    return session;
  });

  app.post('/api/v1/tokens', { schema: { tags: ['auth'], body: TokenBody }, config: { access: 'admin' } }, async (req, reply) => {
    const p = principalOf(req);
    if (p.kind !== 'token') throw new KennekiError('KENNEKI_ERR_FORBIDDEN');
    const account = await ctx.store.accounts.get(p.tenantId, p.accountId);
    if (!account) throw new KennekiError('KENNEKI_ERR_UNAUTHENTICATED');
    const body = req.body as Static<typeof TokenBody>;
    const { token, record } = await ctx.accounts.issueToken(account, body, { ...actorOf(req), action: 'token.create', targetType: 'token' });
    return reply.code(201).send({ token, ...record });
  });

  app.delete('/api/v1/tokens/:id', { schema: { tags: ['auth'], params: Type.Object({ id: Type.String({ format: 'uuid' }) }) }, config: { access: 'admin' } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await ctx.store.tokens.revoke(principalOf(req).tenantId, id, { ...actorOf(req), action: 'token.revoke', targetType: 'token' }))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `token ${id} not found`);
    }
    return reply.code(204).send();
  });

  app.put('/api/v1/identities/:kind/:name', { schema: { tags: ['identities'], params: IdentityParams, body: IdentityBody }, config: { access: 'operator' } }, async (req) => {
    const { kind, name } = req.params as Static<typeof IdentityParams>;
    const { groups } = req.body as Static<typeof IdentityBody>;
    const { tenantId } = principalOf(req);
    await ctx.changes.setIdentityGroups(tenantId, kind, name, groups, actorOf(req));
    return { kind, name, groups: await ctx.store.identities.groupsOf(tenantId, kind, name) };
  });

  app.get('/api/v1/identities/:kind/:name', { schema: { tags: ['identities'], params: IdentityParams }, config: { access: 'viewer' } }, async (req) => {
    const { kind, name } = req.params as Static<typeof IdentityParams>;
    return { kind, name, groups: await ctx.store.identities.groupsOf(principalOf(req).tenantId, kind, name) };
  });

  app.get('/api/v1/audit', { schema: { tags: ['audit'], querystring: AuditQuery }, config: { access: 'viewer' } }, async (req) => {
    const q = req.query as Static<typeof AuditQuery>;
    return {
      items: await ctx.store.audit.list(principalOf(req).tenantId, {
        limit: q.limit,
        ...(q.before_id ? { beforeId: q.before_id } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.target_type ? { targetType: q.target_type } : {}),
      }),
    };
  });
}

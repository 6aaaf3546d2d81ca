/**
 * One-time enrollment tokens for the posture agent (`kenneki-agent enroll`). The token is shown
 * once, at creation; the store keeps only its secret's hash, and the list never returns it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KennekiError } from '../../errors.js';
import { caPinOf, newEnrollmentToken } from '../../tnc/ca/enrollment-token.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext, EnrollmentContext } from '../context.js';

const HOUR_MS = 60 * 60 * 1000;

const NewTokenBody = Type.Object(
  {
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Re-enrollment: the token can only enroll as this endpoint. */
    endpoint_id: Type.Optional(Type.String({ format: 'uuid' })),
    ttl_hours: Type.Integer({ minimum: 1, maximum: 720, default: 24 }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** The PT-TLS side, or why tokens made now could never be used. */
function enrollmentFor(ctx: AppContext, tenantId: string): { enrollment: EnrollmentContext; address: string } {
  const enrollment = ctx.enrollment;
  if (enrollment === undefined) {
    throw new KennekiError('KENNEKI_ERR_ENROLLMENT_UNAVAILABLE', 'devices enroll over PT-TLS, which is disabled: set pt_tls.enabled: true');
  }
  if (enrollment.tenantId !== tenantId) {
    throw new KennekiError('KENNEKI_ERR_ENROLLMENT_UNAVAILABLE', `the PT-TLS listener enrolls devices into tenant "${enrollment.tenantId}" (pt_tls.tenant), so a token of tenant "${tenantId}" could never be used`);
  }
  const address = enrollment.serverAddress();
  if (address === undefined) {
    throw new KennekiError('KENNEKI_ERR_ENROLLMENT_UNAVAILABLE', 'the PT-TLS listener is not listening (see PT_TLS_UNAVAILABLE in the log): set pt_tls.port to a port it can bind');
  }
  return { enrollment, address };
}

export async function enrollmentTokenRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/api/v1/enrollment-tokens', { schema: { tags: ['enrollment'], body: NewTokenBody }, config: { access: 'operator' } }, async (req, reply) => {
    const body = req.body as Static<typeof NewTokenBody>;
    const { tenantId } = principalOf(req);
    const { enrollment, address } = enrollmentFor(ctx, tenantId);
    if (body.endpoint_id !== undefined && !(await ctx.store.endpoints.get(tenantId, body.endpoint_id))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `endpoint ${body.endpoint_id} not found`);
    }
    const { token, secretHash, pin } = newEnrollmentToken(enrollment.caCertPem);
    const expiresAt = new Date(ctx.clock.now().getTime() + body.ttl_hours * HOUR_MS).toISOString();
    const created = await ctx.store.enrollmentTokens.create(
      tenantId,
      { secretHash, expiresAt, ...(body.label !== undefined ? { label: body.label } : {}), ...(body.endpoint_id !== undefined ? { endpointId: body.endpoint_id } : {}) },
      { ...actorOf(req), action: 'enrollment-token.create', targetType: 'enrollment-token' },
    );
    return reply.code(201).send({ id: created.id, token, expiresAt: created.expiresAt, caPin: pin, command: `kenneki-agent enroll --server ${address} --token ${token}` });
  });

  app.get('/api/v1/enrollment-tokens', { schema: { tags: ['enrollment'] }, config: { access: 'viewer' } }, async (req) => {
    const { tenantId } = principalOf(req);
    const items = await ctx.store.enrollmentTokens.list(tenantId, ctx.clock.now().toISOString());
    // The pin is public (it is the CA's fingerprint), and saves a trip to the CA file.
    return { items, ...(ctx.enrollment ? { caPin: caPinOf(ctx.enrollment.caCertPem) } : {}) };
  });

  app.delete('/api/v1/enrollment-tokens/:id', { schema: { tags: ['enrollment'], params: IdParams }, config: { access: 'operator' } }, async (req, reply) => {
    const { id } = req.params as Static<typeof IdParams>;
    const { tenantId } = principalOf(req);
    const revoked = await ctx.store.enrollmentTokens.revoke(tenantId, id, { ...actorOf(req), action: 'enrollment-token.revoke', targetType: 'enrollment-token' });
    if (!revoked) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `enrollment token ${id} not found`);
    if (!revoked.changed && revoked.token.status === 'used') {
      throw new KennekiError('KENNEKI_ERR_STORE_CONFLICT', `enrollment token ${id} was already used at ${revoked.token.usedAt} (by endpoint ${revoked.token.usedByEndpointId ?? 'unknown'}): there is nothing left to revoke`);
    }
    return reply.code(204).send();
  });
}

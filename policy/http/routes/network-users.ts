/**
 * Local network users: 802.1X / VPN logins for people without a directory account. The password
 * is never returned or logged; what is kept depends on the methods the user may use (an NT hash
 * only for PEAP-MSCHAPv2, a cleartext copy only for lab EAP-MD5).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../auth/password.js';
import { KennekiError } from '../../errors.js';
import { ntHashOf } from '../../util/md4.js';
import { actorOf, principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9._@-]{1,128}$' });
const NameParams = Type.Object({ name: Name });
const PutBody = Type.Object(
  {
    password: Type.String({ minLength: 8, maxLength: 128 }),
    /** Keep an NT hash so PEAP-MSCHAPv2 works. It is password-equivalent for MS-CHAPv2: off unless asked. */
    mschapv2: Type.Boolean({ default: false }),
    /** Keep the password in clear for EAP-MD5. Labs only. */
    lab_md5: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export async function networkUserRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/network-users', { schema: { tags: ['network-users'] }, config: { access: 'viewer' } }, async (req) => ({ items: await ctx.store.networkUsers.list(principalOf(req).tenantId) }));

  app.put('/api/v1/network-users/:name', { schema: { tags: ['network-users'], params: NameParams, body: PutBody }, config: { access: 'admin' } }, async (req) => {
    const { name } = req.params as Static<typeof NameParams>;
    const body = req.body as Static<typeof PutBody>;
    const user = await ctx.store.networkUsers.put(
      principalOf(req).tenantId,
      name,
      { passwordHash: await hashPassword(body.password), ...(body.mschapv2 ? { ntHash: ntHashOf(body.password).toString('hex') } : {}), ...(body.lab_md5 ? { labPassword: body.password } : {}) },
      { ...actorOf(req), action: 'network-user.put', targetType: 'network-user' },
    );
    return { user };
  });

  app.delete('/api/v1/network-users/:name', { schema: { tags: ['network-users'], params: NameParams }, config: { access: 'admin' } }, async (req, reply) => {
    const { name } = req.params as Static<typeof NameParams>;
    if (!(await ctx.store.networkUsers.delete(principalOf(req).tenantId, name, { ...actorOf(req), action: 'network-user.delete', targetType: 'network-user' }))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `network user ${name} not found`);
    }
    return reply.code(204).send();
  });
}

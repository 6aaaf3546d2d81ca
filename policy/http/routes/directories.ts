/**
 * The tenant's directories and whether each answers: what an admin checks first when users
 * cannot log in. Per tenant (an ISP's customers never see each other's directories); /metrics has
 * only the totals.
 */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth.js';
import type { AppContext } from '../context.js';

export async function directoryRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/v1/directories', { schema: { tags: ['identities'] }, config: { access: 'viewer' } }, async (req) => {
    const { tenantId } = principalOf(req);
    return { items: ctx.identity.health().filter((d) => d.tenantId === tenantId) };
  });
}

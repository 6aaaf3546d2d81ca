/**
 * The fastify application: health, metrics, OpenAPI at /docs, the admin REST API and JSON posture
 * ingestion. Unknown body fields are rejected (not silently dropped), so a typo in a policy is an
 * error instead of a check that quietly does nothing.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { packageVersion } from '../util/package-root.js';
import { installAuth } from './auth.js';
import type { AppContext } from './context.js';
import { installErrorHandler } from './errors.js';
import { adminRoutes } from './routes/admin.js';
import { definitionRoutes } from './routes/definitions.js';
import { endpointRoutes } from './routes/endpoints.js';
import { enrollmentTokenRoutes } from './routes/enrollment-tokens.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { policyRoutes } from './routes/policies.js';
import { postureRoutes } from './routes/posture.js';
import { roleRoutes } from './routes/roles.js';
import { directoryRoutes } from './routes/directories.js';
import { sessionRoutes } from './routes/sessions.js';
import { dhcpLeaseRoutes } from './routes/dhcp-leases.js';
import { allowlistRoutes } from './routes/allowlist.js';
import { gatewayStreamRoutes } from './routes/gateway-stream.js';
import { gatewayDriftRoutes } from './routes/gateway-drift.js';
import { networkUserRoutes } from './routes/network-users.js';

export interface HttpOptions {
  bodyLimit: number;
  trustProxy: boolean;
  https?: { cert: Buffer; key: Buffer };
}

export interface RouteInfo {
  method: string;
  url: string;
  access: string;
}

export async function buildApp(ctx: AppContext, opts: HttpOptions): Promise<{ app: FastifyInstance; routes: RouteInfo[] }> {
  // Typed as the plain instance: pino's Logger and fastify's base logger differ only in generics.
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    trustProxy: opts.trustProxy,
    ...(opts.https ? { https: opts.https } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true, discriminator: true } },
    // Per-request lines come from the onResponse hook below, at debug, with the route template.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  installErrorHandler(app, ctx.metrics);
  installAuth(app, ctx);
  // The route table, so tests can assert properties of *every* route (auth, tenant scoping, audit).
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url, access: r.config?.access ?? 'unset' });
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    ctx.metrics.httpRequests.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    req.log.debug({ evt: 'HTTP_REQUEST', method: req.method, route, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Kenneki API', version: packageVersion(), description: 'Network access control: posture, policies, roles, exceptions, verdicts.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/healthz', { schema: { tags: ['health'] }, config: { access: 'public' } }, async () => {
    await ctx.store.tenants.list();
    return { status: 'ok', version: packageVersion() };
  });
  app.get('/metrics', { schema: { hide: true }, config: { access: 'public' } }, async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.text();
  });

  await endpointRoutes(app, ctx);
  await enrollmentTokenRoutes(app, ctx);
  await policyRoutes(app, ctx);
  await exceptionRoutes(app, ctx);
  await roleRoutes(app, ctx);
  await directoryRoutes(app, ctx);
  await sessionRoutes(app, ctx);
  await dhcpLeaseRoutes(app, ctx);
  await allowlistRoutes(app, ctx);
  await gatewayStreamRoutes(app, ctx);
  await gatewayDriftRoutes(app, ctx);
  await networkUserRoutes(app, ctx);
  await definitionRoutes(app, ctx, { importBodyLimit: Math.max(opts.bodyLimit, 128 * 1024 * 1024) });
  await postureRoutes(app, ctx);
  await adminRoutes(app, ctx);
  return { app, routes };
}

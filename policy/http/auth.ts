/**
 * Authentication and authorisation for every route. A route declares who may call it in its
 * config (`access`); anything not declared public needs credentials. Unknown or expired
 * credentials get 401, a known caller without the role gets 403. Failures are counted, and the
 * presented secret is never logged.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasRole, type Principal } from '../auth/principal.js';
import { KennekiError } from '../errors.js';
import type { AuditEntry, Role } from '../store/repository.js';
import type { AppContext } from './context.js';
import type { GatewayCredential } from '../addresses/gateway-feed.js';

/** `gateway`: a remote gateway's credential (allowlist.gateways), nothing else. */
export type Access = 'public' | 'device' | 'gateway' | Role;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
    gateway?: GatewayCredential;
  }
}

export function installAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('gateway', undefined);
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config.access;
    if (access === 'public' || access === undefined) return;
    const header = req.headers.authorization;
    const match = header ? /^(Bearer|Device)\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      ctx.metrics.authFailures.inc({ kind: 'missing' });
      throw new KennekiError('KENNEKI_ERR_UNAUTHENTICATED', 'missing Authorization header (Bearer <token>)');
    }
    const secret = match[2]!;
    if (access === 'gateway') {
      const gateway = match[1]!.toLowerCase() === 'bearer' ? ctx.gatewayFeed?.authenticate(secret) : undefined;
      if (!gateway) {
        ctx.metrics.authFailures.inc({ kind: 'gateway' });
        throw new KennekiError('KENNEKI_ERR_UNAUTHENTICATED', 'unknown gateway credential');
      }
      req.gateway = gateway;
      return;
    }
    const principal = access === 'device' ? await ctx.accounts.authenticateDevice(secret) : await ctx.accounts.authenticate(secret);
    if (!principal) {
      ctx.metrics.authFailures.inc({ kind: access === 'device' ? 'device' : 'token' });
      throw new KennekiError('KENNEKI_ERR_UNAUTHENTICATED', access === 'device' ? 'unknown device credential' : 'unknown, revoked or expired token');
    }
    if (access !== 'device' && !hasRole(principal, access)) {
      ctx.metrics.authFailures.inc({ kind: 'forbidden' });
      throw new KennekiError('KENNEKI_ERR_FORBIDDEN', `this action needs the ${access} role`);
    }
    req.principal = principal;
  });
}

/** The caller, for routes that require one (the hook guarantees it is set). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new KennekiError('KENNEKI_ERR_UNAUTHENTICATED');
  return req.principal;
}

/** Who did it, for the audit row. */
export function actorOf(req: FastifyRequest): Omit<AuditEntry, 'action' | 'targetType'> {
  const p = principalOf(req);
  return {
    actor: p.kind === 'token' ? p.username : `device:${p.endpointId}`,
    actorKind: p.kind === 'token' ? 'token' : 'device',
    requestId: req.id,
    sourceIp: req.ip,
  };
}

/**
 * Audits a failed PT-TLS SASL PLAIN login the way a failed admin login is audited
 * (`auth.login-failed`): an operator looking for password guessing finds both in the audit log.
 *
 * The row is a record, never a gate: a store that cannot write it is logged and the attempt stays
 * refused, and nothing it does may throw into the TNCS session.
 */
import type { Logger } from 'pino';
import type { Store } from '../../store/repository.js';

export const PT_TLS_LOGIN_FAILED = 'pt-tls.login-failed';
/** As long as the longest valid account name: more is only a hostile client filling the table. */
export const AUDIT_ACTOR_MAX_CHARS = 64;

export interface FailedLogin {
  /** The SASL PLAIN authcid as the client sent it; the password is deliberately not part of this. */
  user: string;
  remoteAddress: string;
}

/** The user name cut to AUDIT_ACTOR_MAX_CHARS code points, so a surrogate pair is never split. */
export function auditActor(user: string): string {
  return user.length <= AUDIT_ACTOR_MAX_CHARS ? user : Array.from(user).slice(0, AUDIT_ACTOR_MAX_CHARS).join('');
}

/** Never rejects. */
export async function recordFailedLogin(deps: { store: Pick<Store, 'audit'>; tenantId: string; log: Logger }, attempt: FailedLogin): Promise<void> {
  const actor = auditActor(attempt.user);
  deps.log.warn({ evt: 'PT_TLS_AUTH_FAILED', remoteAddress: attempt.remoteAddress, user: actor }, 'SASL PLAIN authentication failed');
  try {
    await deps.store.audit.append(deps.tenantId, { actor, actorKind: 'account', action: PT_TLS_LOGIN_FAILED, targetType: 'account', sourceIp: attempt.remoteAddress });
  } catch (err) {
    deps.log.error({ evt: 'PT_TLS_AUDIT_FAILED', err, remoteAddress: attempt.remoteAddress }, 'could not audit a failed PT-TLS login');
  }
}

/**
 * Inner credentials (TTLS's PAP password, PEAP's NT hash, EAP-MD5's lab password) for an EAP port
 * that runs away from the main process's store and directory connections: in an EAP thread or a
 * RADIUS worker process. The proxy asks over whatever channel it is given; `answerCredential` is
 * the main process's side of the same question.
 */
import type { EapCredentials, PasswordCheck } from './credentials.js';
import type { CredentialAnswer, CredentialOp, CredentialRequest } from './threads/protocol.js';

export interface CredentialsProxy {
  credentials: EapCredentials;
  /** An answer arrived from the main process. */
  answered(a: CredentialAnswer): void;
}

export function credentialsProxy(post: (r: CredentialRequest) => void, toBuffer: (u: Uint8Array) => Buffer): CredentialsProxy {
  let next = 0;
  const waiting = new Map<number, (a: CredentialAnswer) => void>();
  const ask = (op: CredentialOp, tenantId: string, user: string, password?: string): Promise<CredentialAnswer> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      post({ kind: 'credential', id, op, tenantId, user, ...(password !== undefined ? { password } : {}) });
    });
  const valueOf = (a: CredentialAnswer): PasswordCheck | Uint8Array | string | undefined => {
    if (a.error !== undefined) throw new Error(a.error);
    return a.value;
  };
  return {
    credentials: {
      async checkPassword(tenantId, user, password) {
        return valueOf(await ask('checkPassword', tenantId, user, password)) as PasswordCheck;
      },
      async ntHash(tenantId, user) {
        const v = valueOf(await ask('ntHash', tenantId, user));
        return v instanceof Uint8Array ? toBuffer(v) : undefined;
      },
      async labPassword(tenantId, user) {
        const v = valueOf(await ask('labPassword', tenantId, user));
        return typeof v === 'string' ? v : undefined;
      },
    },
    answered(a) {
      const done = waiting.get(a.id);
      waiting.delete(a.id);
      done?.(a);
    },
  };
}

/** The main process answers a proxied question from its own credential source. */
export async function answerCredential(c: EapCredentials, m: CredentialRequest, wire: (u: Uint8Array) => Uint8Array): Promise<CredentialAnswer> {
  try {
    const value = m.op === 'checkPassword' ? await c.checkPassword(m.tenantId, m.user, m.password ?? '') : m.op === 'ntHash' ? await c.ntHash(m.tenantId, m.user) : await c.labPassword(m.tenantId, m.user);
    return { kind: 'credential', id: m.id, ...(value !== undefined ? { value: value instanceof Uint8Array ? wire(value) : value } : {}) };
  } catch (err) {
    return { kind: 'credential', id: m.id, error: err instanceof Error ? err.message : String(err) };
  }
}

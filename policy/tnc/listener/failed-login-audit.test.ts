import pino from 'pino';
import { describe, expect, test } from 'vitest';
import type { AuditEntry, Store } from '../../store/repository.js';
import { AUDIT_ACTOR_MAX_CHARS, PT_TLS_LOGIN_FAILED, auditActor, recordFailedLogin } from './failed-login-audit.js';

/** A log that keeps its lines, to see what an operator would read. */
function memoryLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'trace' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

describe('recordFailedLogin', () => {
  test('writes one audit row in the tenant: the user as sent, the client address, nothing else', async () => {
    const rows: [string, AuditEntry][] = [];
    const store = { audit: { append: async (t: string, e: AuditEntry) => void rows.push([t, e]), list: async () => [] } } satisfies Pick<Store, 'audit'>;
    const { log, lines } = memoryLog();
    await recordFailedLogin({ store, tenantId: 'acme', log }, { user: 'alice', remoteAddress: '192.0.2.7' });
    expect(rows).toEqual([['acme', { actor: 'alice', actorKind: 'account', action: PT_TLS_LOGIN_FAILED, targetType: 'account', sourceIp: '192.0.2.7' }]]);
    expect(lines).toEqual([expect.objectContaining({ evt: 'PT_TLS_AUTH_FAILED', user: 'alice', remoteAddress: '192.0.2.7' })]);
  });

  test('a store that fails is logged, and the promise still resolves', async () => {
    const store = { audit: { append: async () => Promise.reject(new Error('SQLITE_FULL')), list: async () => [] } } satisfies Pick<Store, 'audit'>;
    const { log, lines } = memoryLog();
    await expect(recordFailedLogin({ store, tenantId: 'acme', log }, { user: 'alice', remoteAddress: '192.0.2.7' })).resolves.toBeUndefined();
    expect(lines.map((l) => l.evt)).toEqual(['PT_TLS_AUTH_FAILED', 'PT_TLS_AUDIT_FAILED']);
  });

  test('a store that throws synchronously is contained too', async () => {
    const store = {
      audit: {
        append: (): Promise<void> => {
          throw new Error('database is locked');
        },
        list: async () => [],
      },
    } satisfies Pick<Store, 'audit'>;
    const { log } = memoryLog();
    await expect(recordFailedLogin({ store, tenantId: 'acme', log }, { user: 'alice', remoteAddress: '192.0.2.7' })).resolves.toBeUndefined();
  });
});

describe('auditActor', () => {
  test.each([
    ['short names are kept', 'bob', 'bob'],
    ['exactly the limit is kept', 'x'.repeat(AUDIT_ACTOR_MAX_CHARS), 'x'.repeat(AUDIT_ACTOR_MAX_CHARS)],
    ['longer is cut', 'y'.repeat(100_000), 'y'.repeat(AUDIT_ACTOR_MAX_CHARS)],
    ['a surrogate pair is never split', `${'z'.repeat(AUDIT_ACTOR_MAX_CHARS - 1)}😀😀`, `${'z'.repeat(AUDIT_ACTOR_MAX_CHARS - 1)}😀`],
  ])('%s', (_name, user, expected) => {
    expect(auditActor(user)).toBe(expected);
  });
});

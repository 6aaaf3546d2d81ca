/**
 * First start: the configured tenants, a baseline policy for tenants that have none, and the first
 * admin account. The admin's one-time password is returned to the caller to print once; it is
 * never logged and only its hash is stored.
 */
import type { AccountService } from '../auth/accounts.js';
import type { KennekiConfig } from '../config/schema.js';
import type { AdminChanges } from '../service/admin-changes.js';
import type { Store } from '../store/repository.js';
import { BASELINE_POLICY } from './baseline-policy.js';

const SYSTEM = { actor: 'kenneki', actorKind: 'system' as const };

export interface BootstrapResult {
  createdAdmin?: { tenantId: string; username: string; password?: string };
  createdPolicies: string[];
}

export async function bootstrap(cfg: KennekiConfig, deps: { store: Store; accounts: AccountService; changes: AdminChanges }): Promise<BootstrapResult> {
  const result: BootstrapResult = { createdPolicies: [] };
  for (const t of cfg.tenants) {
    await deps.store.tenants.ensure(t);
    if ((await deps.store.policies.list(t.id)).length === 0) {
      await deps.changes.createPolicy(t.id, BASELINE_POLICY, SYSTEM);
      result.createdPolicies.push(t.id);
    }
  }
  const first = cfg.tenants[0]!.id;
  if ((await deps.store.accounts.count(first)) === 0) {
    const pw = cfg.admin.bootstrap_password;
    const { password } = await deps.accounts.createAdmin(first, { username: cfg.admin.bootstrap_user, role: 'admin', ...(pw ? { password: pw } : {}) }, { ...SYSTEM, action: '', targetType: '' });
    result.createdAdmin = { tenantId: first, username: cfg.admin.bootstrap_user, ...(password ? { password } : {}) };
  }
  return result;
}

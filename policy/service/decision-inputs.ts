/**
 * Per-tenant caches of what every decision needs: policies, roles, exceptions and the definitions view.
 * Loaded on first use, dropped on every change to them (the mutating service calls invalidate), so
 * re-evaluating 100k endpoints does not reload them 100k times.
 */
import type { PolicyException } from '../decide/exception.js';
import type { Policy } from '../decide/policy.js';
import type { NetworkRole } from '../decide/role.js';
import { createDefinitionsView } from '../definitions/memory-view.js';
import type { DefinitionsView } from '../definitions/view.js';
import type { Store } from '../store/repository.js';

export interface TenantInputs {
  policies: Policy[];
  /** Network roles, in (precedence, name) order. */
  roles: NetworkRole[];
  /**
   * Exceptions not yet expired when loaded. The engine still compares each against the evaluation
   * time, so one that expires while cached stops applying at once, without a reload.
   */
  exceptions: PolicyException[];
  definitions: DefinitionsView;
}

export class DecisionInputs {
  private readonly cache = new Map<string, Promise<TenantInputs>>();

  constructor(private readonly store: Store) {}

  get(tenantId: string): Promise<TenantInputs> {
    let p = this.cache.get(tenantId);
    if (!p) {
      p = this.load(tenantId);
      this.cache.set(tenantId, p);
      p.catch(() => this.cache.delete(tenantId));
    }
    return p;
  }

  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async load(tenantId: string): Promise<TenantInputs> {
    const [policies, roles, exceptions, content] = await Promise.all([
      this.store.policies.list(tenantId),
      this.store.roles.list(tenantId),
      this.store.exceptions.list(tenantId),
      this.store.definitions.load(tenantId),
    ]);
    return { policies, roles, exceptions, definitions: createDefinitionsView(content) };
  }
}

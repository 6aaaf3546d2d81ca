/**
 * Admin changes to decision inputs. Each writes through the store (audited in the same
 * transaction), drops the tenant's cached inputs, and queues re-evaluation of stored posture so the
 * change reaches enforcement without waiting for endpoints to report again.
 */
import type { PolicyException } from '../decide/exception.js';
import type { Policy, PolicyBody } from '../decide/policy.js';
import { quarantineAllowProblems } from '../decide/quarantine-allow.js';
import { vlanProblem, type NetworkRole, type NetworkRoleBody } from '../decide/role.js';
import { KennekiError } from '../errors.js';
import type { AuditEntry, DefinitionsContent, DefinitionsFeed, Store } from '../store/repository.js';
import { newId } from '../util/ids.js';
import type { Clock } from './clock.js';
import type { DecisionInputs } from './decision-inputs.js';
import type { ReevaluationQueue } from './reevaluation-queue.js';
import type { Sweeper } from './sweeper.js';

export type PolicyInput = PolicyBody & { name: string; precedence: number; enabled: boolean };
export type RoleInput = NetworkRoleBody & { name: string; precedence: number };
export type ExceptionInput = Pick<PolicyException, 'scope' | 'checks' | 'reason' | 'approver' | 'expiresAt'>;
type Actor = Omit<AuditEntry, 'action' | 'targetType' | 'targetId' | 'before' | 'after'>;

/**
 * Host syntax that the JSON schema cannot judge (IPv6, CIDR, DNS names), checked before anything
 * is written; the error names the path as a schema error would.
 */
export function assertQuarantineAllow(input: PolicyInput, at = 'body'): void {
  const problem = quarantineAllowProblems(input.quarantineAllow ?? [])[0];
  if (problem === undefined) return;
  const path = `${at}.quarantineAllow${problem.path}`;
  throw new KennekiError('KENNEKI_ERR_VALIDATION', `${path}: ${problem.reason}`, { details: { path } });
}

/**
 * VLAN values the JSON schema lets through but a switch would not take (an all-digit value outside
 * 1..4094), checked before anything is written; the error names the path as a schema error would.
 */
export function assertRoleVlans(input: RoleInput, at = 'body'): void {
  for (const verdict of ['allow', 'isolate'] as const) {
    const value = input.vlans?.[verdict];
    const problem = value === undefined ? undefined : vlanProblem(value);
    if (problem === undefined) continue;
    const path = `${at}.vlans.${verdict}`;
    throw new KennekiError('KENNEKI_ERR_VALIDATION', `${path}: ${problem}`, { details: { path } });
  }
}

export class AdminChanges {
  constructor(
    private readonly deps: { store: Store; inputs: DecisionInputs; queue: ReevaluationQueue; clock: Clock; sweeper?: Sweeper },
  ) {}

  private changed(tenantId: string, cause: Parameters<ReevaluationQueue['request']>[1]): void {
    this.deps.inputs.invalidate(tenantId);
    this.deps.queue.request(tenantId, cause);
  }

  async createPolicy(tenantId: string, input: PolicyInput, actor: Actor): Promise<Policy> {
    assertQuarantineAllow(input);
    const at = this.deps.clock.now().toISOString();
    const p = await this.deps.store.policies.create({ ...input, id: newId(), tenantId, revision: 1, createdAt: at, updatedAt: at }, { ...actor, action: 'policy.create', targetType: 'policy' });
    this.changed(tenantId, 'policy-change');
    return p;
  }

  async updatePolicy(tenantId: string, id: string, input: PolicyInput, actor: Actor): Promise<Policy> {
    assertQuarantineAllow(input);
    const existing = await this.deps.store.policies.get(tenantId, id);
    if (!existing) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `policy ${id} not found`);
    // PUT replaces: optional fields absent from the input are cleared, not kept.
    const replaced: Policy = { ...existing, ...input, description: input.description, remediationUrl: input.remediationUrl, quarantineAllow: input.quarantineAllow } as Policy;
    const p = await this.deps.store.policies.update(replaced, { ...actor, action: 'policy.update', targetType: 'policy' });
    if (!p) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `policy ${id} not found`);
    this.changed(tenantId, 'policy-change');
    return p;
  }

  async deletePolicy(tenantId: string, id: string, actor: Actor): Promise<void> {
    if (!(await this.deps.store.policies.delete(tenantId, id, { ...actor, action: 'policy.delete', targetType: 'policy' }))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `policy ${id} not found`);
    }
    this.changed(tenantId, 'policy-change');
  }

  /** The role's policy (by name) is checked to exist in the store's transaction (roles repo). */
  async createRole(tenantId: string, input: RoleInput, actor: Actor): Promise<NetworkRole> {
    assertRoleVlans(input);
    const at = this.deps.clock.now().toISOString();
    const r = await this.deps.store.roles.create({ ...input, id: newId(), tenantId, revision: 1, createdAt: at, updatedAt: at }, { ...actor, action: 'role.create', targetType: 'role' });
    this.changed(tenantId, 'role-change');
    return r;
  }

  async updateRole(tenantId: string, id: string, input: RoleInput, actor: Actor): Promise<NetworkRole> {
    assertRoleVlans(input);
    const existing = await this.deps.store.roles.get(tenantId, id);
    if (!existing) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `role ${id} not found`);
    // PUT replaces: optional fields absent from the input are cleared, not kept.
    const replaced: NetworkRole = {
      id: existing.id,
      tenantId: existing.tenantId,
      revision: existing.revision,
      createdAt: existing.createdAt,
      updatedAt: existing.updatedAt,
      name: input.name,
      precedence: input.precedence,
      groups: input.groups,
      ...(input.policy !== undefined ? { policy: input.policy } : {}),
      ...(input.vlans !== undefined ? { vlans: input.vlans } : {}),
      ...(input.adminRole !== undefined ? { adminRole: input.adminRole } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    const r = await this.deps.store.roles.update(replaced, { ...actor, action: 'role.update', targetType: 'role' });
    if (!r) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `role ${id} not found`);
    this.changed(tenantId, 'role-change');
    return r;
  }

  async deleteRole(tenantId: string, id: string, actor: Actor): Promise<void> {
    if (!(await this.deps.store.roles.delete(tenantId, id, { ...actor, action: 'role.delete', targetType: 'role' }))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `role ${id} not found`);
    }
    this.changed(tenantId, 'role-change');
  }

  async createException(tenantId: string, input: ExceptionInput, actor: Actor): Promise<PolicyException> {
    await this.assertScope(tenantId, input);
    const e = await this.deps.store.exceptions.create(
      { ...input, id: newId(), tenantId, createdAt: this.deps.clock.now().toISOString(), createdBy: actor.actor },
      { ...actor, action: 'exception.create', targetType: 'exception' },
    );
    this.changed(tenantId, 'exception-change');
    await this.deps.sweeper?.reschedule();
    return e;
  }

  async updateException(tenantId: string, id: string, input: ExceptionInput, actor: Actor): Promise<PolicyException> {
    await this.assertScope(tenantId, input);
    const existing = await this.deps.store.exceptions.get(tenantId, id);
    if (!existing) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `exception ${id} not found`);
    const e = await this.deps.store.exceptions.update({ ...existing, ...input }, { ...actor, action: 'exception.update', targetType: 'exception' });
    if (!e) throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `exception ${id} not found`);
    this.changed(tenantId, 'exception-change');
    await this.deps.sweeper?.reschedule();
    return e;
  }

  async deleteException(tenantId: string, id: string, actor: Actor): Promise<void> {
    if (!(await this.deps.store.exceptions.delete(tenantId, id, { ...actor, action: 'exception.delete', targetType: 'exception' }))) {
      throw new KennekiError('KENNEKI_ERR_NOT_FOUND', `exception ${id} not found`);
    }
    this.changed(tenantId, 'exception-change');
  }

  async importDefinitions(tenantId: string, feed: Omit<DefinitionsFeed, 'importedAt'>, content: DefinitionsContent, actor: Actor): Promise<DefinitionsFeed> {
    const full: DefinitionsFeed = { ...feed, importedAt: this.deps.clock.now().toISOString() };
    await this.deps.store.definitions.replaceFeed(tenantId, full, content, { ...actor, action: 'definitions.import', targetType: 'definitions-feed' });
    this.changed(tenantId, 'definitions-change');
    return full;
  }

  async setIdentityGroups(tenantId: string, kind: 'user' | 'device', name: string, groups: string[], actor: Actor): Promise<void> {
    await this.deps.store.identities.upsert(tenantId, { kind, name, groups, source: 'local' }, { ...actor, action: 'identity.update', targetType: 'identity' });
    this.changed(tenantId, 'identity-change');
  }

  /**
   * An exception must expire in the future (an already expired one would waive nothing and only
   * confuse), and a device-scoped one must name an endpoint of this tenant, not another tenant's.
   */
  private async assertScope(tenantId: string, input: ExceptionInput): Promise<void> {
    if (Date.parse(input.expiresAt) <= this.deps.clock.now().getTime()) {
      throw new KennekiError('KENNEKI_ERR_VALIDATION', 'body.expiresAt: must be in the future', { details: { path: 'body.expiresAt' } });
    }
    if (input.scope.kind === 'device' && !(await this.deps.store.endpoints.get(tenantId, input.scope.endpointId))) {
      throw new KennekiError('KENNEKI_ERR_VALIDATION', `body.scope.endpointId: no endpoint ${input.scope.endpointId} in this tenant`, { details: { path: 'body.scope.endpointId' } });
    }
  }
}

/**
 * Network roles: the mapping directory group → role → policy and VLAN. Policies match endpoints by
 * their own `match`, which ties "what is checked" to "who it is for"; a role separates the two, so
 * one directory group can be pointed at a policy and a VLAN in one place, and the same policy can
 * serve several roles with different VLANs.
 *
 * A role is chosen before any policy: the first role by (precedence, name) whose groups the
 * subject is in wins. A role that names a policy overrides policy selection; one that names none
 * only assigns VLANs and leaves selection to the policies' own matches.
 */
import type { Verdict } from './policy.js';

/** What members of the role may do in the admin API (read by the admin login, not by the PDP). */
export type AdminRole = 'viewer' | 'operator' | 'admin';

export interface RoleVlans {
  /** Tunnel-Private-Group-ID when the verdict is allow. */
  allow?: string;
  /** Tunnel-Private-Group-ID when the verdict is isolate (a deny is an Access-Reject: no VLAN). */
  isolate?: string;
}

export interface NetworkRoleBody {
  /** Directory group names; any one makes the subject a member. Compared case-insensitively. */
  groups: string[];
  /** The NAME of a policy of the same tenant (names are stable and readable; ids are neither). */
  policy?: string;
  vlans?: RoleVlans;
  adminRole?: AdminRole;
  description?: string;
}

export interface NetworkRole extends NetworkRoleBody {
  id: string;
  tenantId: string;
  name: string;
  precedence: number;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface RoleMatch {
  role: NetworkRole;
  /** The role's group that matched, spelled as in the role. */
  group: string;
}

/**
 * The subject's role: the first by (precedence, name) with a group the subject is in. The name
 * breaks precedence ties so that the choice never depends on storage order.
 */
export function roleFor(roles: readonly NetworkRole[], groups: readonly string[]): RoleMatch | undefined {
  if (roles.length === 0 || groups.length === 0) return undefined;
  // Directories disagree on case (AD is case-insensitive, LDAP servers vary), so names are folded.
  const member = new Set(groups.map((g) => g.toLowerCase()));
  const ordered = [...roles].sort(compareRoles);
  for (const role of ordered) {
    const group = role.groups.find((g) => member.has(g.toLowerCase()));
    if (group !== undefined) return { role, group };
  }
  return undefined;
}

/** (precedence, name): lowest precedence first, as for policies. */
export function compareRoles(a: Pick<NetworkRole, 'precedence' | 'name'>, b: Pick<NetworkRole, 'precedence' | 'name'>): number {
  // Plain code-unit order, not localeCompare: the winner must not depend on the server's locale.
  return a.precedence - b.precedence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The VLAN a verdict puts the endpoint in; none for deny, which is a reject, not a placement. */
export function vlanFor(role: NetworkRole, verdict: Verdict): string | undefined {
  if (verdict === 'allow') return role.vlans?.allow;
  if (verdict === 'isolate') return role.vlans?.isolate;
  return undefined;
}

const VLAN_NAME = /^[A-Za-z0-9._-]{1,32}$/;
const DIGITS = /^[0-9]+$/;

/**
 * Why a VLAN value is unusable, or undefined when it is fine. Switches take either a VLAN id or a
 * VLAN name in Tunnel-Private-Group-ID; an all-digit value is read as an id, so it must be a valid
 * one (1..4094: 0 and 4095 are reserved by 802.1Q).
 */
export function vlanProblem(value: string): string | undefined {
  if (DIGITS.test(value)) {
    const id = Number(value);
    return id >= 1 && id <= 4094 && !value.startsWith('0') ? undefined : 'a numeric VLAN id must be 1..4094 without leading zeros';
  }
  return VLAN_NAME.test(value) ? undefined : 'must be a VLAN id (1..4094) or a VLAN name of 1 to 32 letters, digits, ".", "_" or "-"';
}

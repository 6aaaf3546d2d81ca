/**
 * Who is calling the API. Admin tokens carry a role within one tenant; device credentials may only
 * report posture for their own endpoint.
 */
import type { Role } from '../store/repository.js';

export type Principal =
  | { kind: 'token'; tenantId: string; role: Role; accountId: string; username: string; tokenId: string }
  | { kind: 'device'; tenantId: string; endpointId: string };

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(p: Principal, needed: Role): boolean {
  return p.kind === 'token' && RANK[p.role] >= RANK[needed];
}

/** Admin token format: a prefix tells humans and secret scanners what it is. */
export const ADMIN_TOKEN_PREFIX = 'kk_';
export const DEVICE_TOKEN_PREFIX = 'kd_';

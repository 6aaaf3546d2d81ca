/**
 * Agent addresses (schema.ts `agent_addresses`): where an enrolled agent's posture connection came
 * from. Written on every assessment over PT-TLS, so the statements are prepared once.
 */
import type Database from 'better-sqlite3';
import type { AgentAddress, Store } from '../repository.js';

interface Row {
  tenant_id: string;
  ip: string;
  endpoint_id: string;
  seen_at: string;
  expires_at: string;
}

export function agentAddressRepo(raw: Database.Database): Store['agentAddresses'] {
  const upsert = raw.prepare(
    `INSERT INTO agent_addresses (tenant_id, ip, endpoint_id, seen_at, expires_at) VALUES (@tenantId, @ip, @endpointId, @seenAt, @expiresAt)
     ON CONFLICT (tenant_id, ip) DO UPDATE SET endpoint_id = excluded.endpoint_id, seen_at = excluded.seen_at, expires_at = excluded.expires_at`,
  );
  const live = raw.prepare<[string], Row>('SELECT tenant_id, ip, endpoint_id, seen_at, expires_at FROM agent_addresses WHERE expires_at > ?');
  const reclaim = raw.prepare('DELETE FROM agent_addresses WHERE expires_at < ?');
  return {
    async note(a) {
      upsert.run({ tenantId: a.tenantId, ip: a.ip, endpointId: a.endpointId, seenAt: a.seenAt, expiresAt: a.expiresAt });
    },
    async live(after) {
      return live.all(after).map((r) => ({ tenantId: r.tenant_id, ip: r.ip, endpointId: r.endpoint_id, seenAt: r.seen_at, expiresAt: r.expires_at }));
    },
    async reclaim(before) {
      return reclaim.run(before).changes;
    },
  };
}

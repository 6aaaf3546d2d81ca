/**
 * Small builders shared by the integration tests: posture facts, audit-log slices, verdict-bus
 * recording and raw requests (for bodies that are not JSON-serialisable objects).
 */
import { firewallOffFacts, okFact } from '../../simulations/posture-report.js';
import type { VerdictChange } from '../../policy/service/verdict-bus.js';
import type { TestServer } from './kenneki-server.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const ok = okFact;

export function notCollected(status: 'unknown' | 'error', reason: string, at: Date): Record<string, unknown> {
  return { status, reason, collectedAt: at.toISOString(), source: 'kenneki-agent' };
}

/** Fact overrides for `healthyReport`. */
export const facts = {
  firewallOff: firewallOffFacts,
  firewallUnknown: (at: Date) => ({ firewall: notCollected('unknown', 'collector timed out', at) }),
  diskUnencrypted: (at: Date) => ({ diskEncryption: ok({ systemVolumeProtected: false }, at) }),
  antivirusSignaturesAgeDays: (at: Date, days: number) => ({
    antivirus: ok({ products: [{ name: 'ClamAV', running: true, enabled: true, signaturesUpdatedAt: new Date(at.getTime() - days * DAY).toISOString() }] }, at),
  }),
  packages: (at: Date, packages: { name: string; version: string }[]) => ({ packages: ok({ manager: 'dpkg', packages }, at) }),
  pendingUpdates: (at: Date, updates: { id: string; package?: string; version?: string; security: boolean }[]) => ({
    pendingUpdates: ok({ updates, rebootRequired: false }, at),
  }),
};

export interface AuditRow {
  id: number;
  tenantId: string;
  at: string;
  actor: string;
  actorKind: string;
  action: string;
  targetType: string;
  targetId?: string;
  before?: any;
  after?: any;
  requestId?: string;
  sourceIp?: string;
}

/** Every audit row of a tenant, oldest first (read from the store: no role or paging concerns). */
export async function auditRows(s: TestServer, tenantId: string): Promise<AuditRow[]> {
  const rows = await s.server.ctx.store.audit.list(tenantId, { limit: 100_000 });
  return (rows as AuditRow[]).reverse();
}

export async function lastAuditId(s: TestServer, tenantId: string): Promise<number> {
  const [last] = await s.server.ctx.store.audit.list(tenantId, { limit: 1 });
  return last?.id ?? 0;
}

export async function auditSince(s: TestServer, tenantId: string, afterId: number): Promise<AuditRow[]> {
  return (await auditRows(s, tenantId)).filter((r) => r.id > afterId);
}

/** Records verdict-bus events until `stop()`. */
export function recordVerdicts(s: TestServer): { events: VerdictChange[]; stop(): void; clear(): void; of(endpointId: string): VerdictChange[] } {
  const events: VerdictChange[] = [];
  const stop = s.server.bus.subscribe((e) => {
    events.push(e);
  });
  return {
    events,
    stop: () => void stop(),
    clear: () => void events.splice(0),
    of: (endpointId) => events.filter((e) => e.endpointId === endpointId),
  };
}

/** A request whose body is sent as given (malformed JSON, oversized payloads, other content types). */
export async function rawRequest(
  s: TestServer,
  token: string | undefined,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(s.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** Fills a route template's params: `:name` from `params`, `*` from `params['*']`. */
export function fillRoute(url: string, params: Record<string, string>): string {
  return url.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${url}`);
    return encodeURIComponent(v);
  }).replace(/\*$/, () => {
    const v = params['*'];
    if (v === undefined) throw new Error(`no value for * in ${url}`);
    return v;
  });
}

/** A policy body as the API accepts it. */
export function policyBody(name: string, precedence: number, checks: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, precedence, enabled: true, mode: 'enforce', match: {}, checks, ...extra };
}

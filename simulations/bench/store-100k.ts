/**
 * A 100,000-endpoint store for the list and RSS benchmarks, built once per `npm run bench` run.
 *
 * The real schema and migrations (openSqlite). Tenant, baseline policy, definitions, exceptions,
 * admin account and token, and identities go through the Store API / repositories. Each endpoint
 * gets a decision from the real engine over generated posture, and the rows registration plus a
 * first posture report leave behind: the endpoint (verdict, decision, last seen), its posture and
 * last-known facts, check results, pending-update and vulnerable/forbidden-package findings and
 * one verdict-history row. Those are written with raw prepared statements mirroring
 * `endpoints.create` + `assessments.record` (the repositories through drizzle take ~30x longer);
 * BENCH_FLEET_PATH=repos writes them through the repositories instead, to cross-check.
 *
 * Inventories are 40 packages here, not 1,500: 100k full inventories would be ~15 GB of posture
 * JSON (facts and last-known each hold a copy). Nothing the list queries read depends on
 * inventory size; re-evaluation does, so its rate here is an upper bound.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { AccountService } from '../../policy/auth/accounts.js';
import type { Decision } from '../../policy/decide/decision.js';
import { evaluate } from '../../policy/decide/evaluate.js';
import { createDefinitionsView } from '../../policy/definitions/memory-view.js';
import { systemClock } from '../../policy/service/clock.js';
import type { AuditEntry } from '../../policy/store/repository.js';
import type Database from 'better-sqlite3';
import { newId } from '../../policy/util/ids.js';
import type { Assessment, NewEndpoint } from '../../policy/store/repository.js';
import { assessmentRepo } from '../../policy/store/sqlite/assessment-repo.js';
import { endpointRepo } from '../../policy/store/sqlite/endpoint-repo.js';
import { openSqlite, type Db } from '../../policy/store/sqlite/open.js';
import { identityRepo } from '../../policy/store/sqlite/policy-repos.js';
import { createSqliteStore } from '../../policy/store/sqlite/store.js';
import { fmt, tempDir } from './common.js';
import { baselinePolicy, buildUniverse, endpointPosture, exceptionsFor, groupsOfOwner, ownerName, profileOf, rng } from './dataset.js';
import { BENCH_PASSWORD, writeConfig } from './server-process.js';

/** BENCH_FLEET_SIZE overrides it for quick trial runs; reported figures use the default. */
export const FLEET_SIZE = Number(process.env['BENCH_FLEET_SIZE']) || 100_000;
export const OWNERS = Math.max(100, Math.round(FLEET_SIZE * 0.6));
const INVENTORY = 40;
const BATCH = 5_000;
const SITES = ['tky', 'osk', 'ngy', 'fko', 'spr'];
const KINDS = ['pc', 'nb', 'ws'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SYSTEM: AuditEntry = { actor: 'bench', actorKind: 'system', action: 'bench.populate', targetType: 'bench' };

export interface Fleet {
  dataDir: string;
  dbPath: string;
  configFile: string;
  tenantId: string;
  adminToken: string;
  now: Date;
  /** Values that make the filters realistic: the most common pending update and vulnerable package. */
  commonPatch: string;
  commonVulnerablePackage: string;
  policyId: string;
  dbMb: number;
  buildSeconds: number;
}

export function hostnameOf(i: number): string {
  return `${SITES[i % SITES.length]}-${KINDS[(i >> 3) % KINDS.length]}-${String(i).padStart(6, '0')}`;
}

let cached: Promise<Fleet> | undefined;

/** The fleet store for this run (built on first use, removed by the run's cleanup). */
export function fleet(): Promise<Fleet> {
  cached ??= build().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function build(): Promise<Fleet> {
  const started = Date.now();
  const tenantId = 'default';
  const tmp = tempDir('kenneki-bench-fleet-');
  const dataDir = tmp.dir;
  const dbPath = join(dataDir, 'kenneki.db');
  const now = new Date();
  const u = buildUniverse(now);
  process.stdout.write(`building the ${fmt.int(FLEET_SIZE)}-endpoint store in ${dataDir} ...`);

  // Decision inputs, the admin account and its token, through the Store API.
  const store = createSqliteStore(dbPath);
  const policy = baselinePolicy(tenantId, now);
  const exceptions = exceptionsFor(tenantId, now);
  let adminToken: string;
  try {
    await store.tenants.ensure({ id: tenantId, name: 'Default' });
    await store.policies.create(policy, { ...SYSTEM, action: 'policy.create', targetType: 'policy' });
    await store.definitions.replaceFeed(
      tenantId,
      { name: 'bench-debian', format: 'kenneki', importedAt: now.toISOString(), advisories: u.advisories.length, forbidden: u.forbidden.length },
      { advisories: u.advisories, forbidden: u.forbidden, platforms: [] },
      SYSTEM,
    );
    for (const e of exceptions) {
      await store.exceptions.create(e, SYSTEM);
      // An expired exception the sweeper has already handled, so startup does not re-evaluate.
      if (Date.parse(e.expiresAt) <= now.getTime()) await store.exceptions.markExpiryProcessed(tenantId, e.id, now.toISOString());
    }
    const accounts = new AccountService(store, systemClock);
    const { account } = await accounts.createAdmin(tenantId, { username: 'admin', role: 'admin', password: BENCH_PASSWORD }, SYSTEM);
    adminToken = (await accounts.issueToken(account, { name: 'bench' }, SYSTEM)).token;
  } finally {
    await store.close();
  }

  // Bulk writes. Identities through the repository; endpoints either through the repositories
  // (BENCH_FLEET_PATH=repos, ~30x slower) or as the same rows written with raw statements.
  const { db, raw } = openSqlite(dbPath);
  const viaRepos = process.env['BENCH_FLEET_PATH'] === 'repos';
  const clock = () => now;
  const identitiesRepo = identityRepo(db, clock);
  const writer = viaRepos ? repoWriter(db, clock, tenantId) : rawWriter(raw, tenantId);
  const definitions = createDefinitionsView(JSON.parse(JSON.stringify({ advisories: u.advisories, forbidden: u.forbidden })));
  const policies = [policy];
  const patchCount = new Map<string, number>();
  const packageCount = new Map<string, number>();
  const r = rng(100_000);
  // Bulk load without a journal; the server reopens the file in WAL mode as always.
  raw.pragma('journal_mode = OFF');
  raw.pragma('synchronous = OFF');
  try {
    raw.exec('BEGIN');
    for (let i = 0; i < OWNERS; i++) {
      await identitiesRepo.upsert(tenantId, { kind: 'user', name: ownerName(i), groups: groupsOfOwner(i), source: 'ldap' }, undefined);
    }
    for (let i = 0; i < FLEET_SIZE; i += 20) {
      await identitiesRepo.upsert(tenantId, { kind: 'device', name: hostnameOf(i), groups: [i % 40 === 0 ? 'lab-devices' : 'kiosk'], source: 'local' }, undefined);
    }
    raw.exec('COMMIT');

    for (let start = 0; start < FLEET_SIZE; start += BATCH) {
      raw.exec('BEGIN');
      for (let i = start; i < Math.min(FLEET_SIZE, start + BATCH); i++) {
        const firstSeen = new Date(now.getTime() - (1 + r() * 400) * DAY_MS).toISOString();
        const ownerIndex = (i * 7919) % OWNERS;
        const owned = i % 20 !== 19; // 5% shared devices without an owner
        const endpoint: NewEndpoint & { tags: string[] } = {
          mac: `02:00:${hex(i >> 24)}:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`,
          deviceId: `dev-${i.toString(16).padStart(12, '0')}`,
          hostname: hostnameOf(i),
          ...(owned ? { owner: ownerName(ownerIndex) } : {}),
          tags: i % 3 === 0 ? ['laptop'] : ['desktop'],
          credentialHash: createHash('sha256').update(`bench-credential-${i}`).digest('hex'),
        };
        const id = await writer.create(endpoint, firstSeen);
        const subject = {
          endpointId: id,
          ...(owned ? { user: ownerName(ownerIndex) } : {}),
          groups: [...(owned ? groupsOfOwner(ownerIndex) : []), ...(i % 20 === 0 ? [i % 40 === 0 ? 'lab-devices' : 'kiosk'] : [])],
          tags: endpoint.tags,
        };
        const base = { subject, policies, exceptions, definitions, failingSince: new Map<string, string>(), now, defaults: { unknownEndpointVerdict: 'isolate' as const, staleAfterHours: 24 } };

        // 3% registered but never reported; the rest last reported minutes to weeks ago.
        const roll = r();
        if (roll < 0.03) {
          const decision = evaluate({ ...base, firstReported: new Map() });
          await writer.record({ tenantId, endpointId: id, at: firstSeen, cause: 'registration', findings: [], decision, basedOnReportAt: null });
          continue;
        }
        const ageMs = roll < 0.83 ? r() * 8 * HOUR_MS : roll < 0.95 ? (8 + r() * 64) * HOUR_MS : (3 + r() * 27) * DAY_MS;
        const seen = new Date(Math.max(Date.parse(firstSeen), now.getTime() - ageMs));
        const p = endpointPosture(u, profileOf(i), i + 1, INVENTORY, seen);
        const firstReported = new Map(p.pendingUpdates.map((x) => [x.id, seen]));
        const decision: Decision = evaluate({ ...base, posture: { reportedAt: seen.toISOString(), facts: p.facts, lastKnown: p.facts }, firstReported });
        const findings = decision.trace.checks.flatMap((c) => c.result.findings ?? []);
        await writer.record({
          tenantId,
          endpointId: id,
          at: seen.toISOString(),
          cause: 'posture',
          report: { reportedAt: seen.toISOString(), source: 'kenneki-agent', facts: p.facts, lastKnown: p.facts, pendingUpdates: p.pendingUpdates.map((x) => ({ id: x.id, ...(x.version ? { version: x.version } : {}) })) },
          findings,
          decision,
        });
        for (const x of p.pendingUpdates) patchCount.set(x.id, (patchCount.get(x.id) ?? 0) + 1);
        for (const f of findings) if (f.kind === 'vulnerable-package') packageCount.set(f.name, (packageCount.get(f.name) ?? 0) + 1);
      }
      raw.exec('COMMIT');
      if ((start / BATCH) % 10 === 9) process.stdout.write('.');
    }
    raw.pragma('journal_mode = WAL');
  } catch (err) {
    if (raw.inTransaction) raw.exec('ROLLBACK');
    throw err;
  } finally {
    raw.close();
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
  const dbMb = statSync(dbPath).size / 2 ** 20;
  const buildSeconds = (Date.now() - started) / 1000;
  console.log(` done in ${fmt.n(buildSeconds)} s (${fmt.int(dbMb)} MB)`);
  return {
    dataDir,
    dbPath,
    configFile: writeConfig(dataDir),
    tenantId,
    adminToken,
    now,
    commonPatch: top(patchCount),
    commonVulnerablePackage: top(packageCount),
    policyId: policy.id,
    dbMb,
    buildSeconds,
  };
}

function hex(n: number): string {
  return (n & 255).toString(16).padStart(2, '0');
}

interface Writer {
  /** Registers the endpoint (verdict isolate, as registration does); returns its id. */
  create(e: NewEndpoint, at: string): Promise<string>;
  record(a: Assessment): Promise<void>;
}

/** The production write path: endpointRepo.create + assessmentRepo.record. */
function repoWriter(db: Db, now: () => Date, tenantId: string): Writer {
  const endpoints = endpointRepo(db, now);
  const assessments = assessmentRepo(db);
  return {
    async create(e, at) {
      return (await endpoints.create(tenantId, e, at, undefined)).id;
    },
    async record(a) {
      await assessments.record(a);
    },
  };
}

const FAILING = new Set(['non-compliant-minor', 'non-compliant-major', 'unknown', 'error']);
const PACKAGE_KINDS = new Set(['vulnerable-package', 'forbidden-package']);

/**
 * The rows `endpoints.create` + `assessments.record` write for a new endpoint's first assessment,
 * with prepared statements, minus the posture snapshot (history that neither the list nor
 * re-evaluation reads; it would add ~5 KB per endpoint).
 */
function rawWriter(raw: Database.Database, tenantId: string): Writer {
  const insertEndpoint = raw.prepare(
    `INSERT INTO endpoints (id, tenant_id, mac, device_id, hostname, owner, tags, credential_hash, first_seen_at, last_seen_at, verdict, verdict_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'isolate', ?)`,
  );
  const updateEndpoint = raw.prepare(
    `UPDATE endpoints SET decision = ?, policy_id = ?, verdict = ?, verdict_at = CASE WHEN ? <> 'isolate' THEN ? ELSE verdict_at END,
       last_seen_at = coalesce(?, last_seen_at), last_report_at = coalesce(?, last_report_at) WHERE tenant_id = ? AND id = ?`,
  );
  const insertPosture = raw.prepare(`INSERT INTO endpoint_posture (endpoint_id, tenant_id, reported_at, received_at, facts, last_known) VALUES (?, ?, ?, ?, ?, ?)`);
  const insertFinding = raw.prepare(`INSERT INTO endpoint_findings (tenant_id, endpoint_id, kind, name, version, detail, first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const insertCheck = raw.prepare(
    `INSERT INTO check_results (tenant_id, endpoint_id, check_id, status, action, result, evaluated_at, failing_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertVerdict = raw.prepare(`INSERT INTO verdicts (tenant_id, endpoint_id, verdict, previous, cause, decision, decided_at) VALUES (?, ?, ?, 'isolate', ?, ?, ?)`);
  return {
    async create(e, at) {
      const id = newId();
      insertEndpoint.run(id, tenantId, e.mac ?? null, e.deviceId ?? null, e.hostname ?? null, e.owner ?? null, JSON.stringify(e.tags ?? []), e.credentialHash ?? null, at, at, at);
      return id;
    },
    async record(a) {
      const decision = JSON.stringify(a.decision);
      if (a.report) {
        const facts = JSON.stringify(a.report.facts);
        insertPosture.run(a.endpointId, tenantId, a.report.reportedAt, a.at, facts, a.report.lastKnown === a.report.facts ? facts : JSON.stringify(a.report.lastKnown));
        for (const u of a.report.pendingUpdates) insertFinding.run(tenantId, a.endpointId, 'pending-update', u.id, u.version ?? null, null, a.at);
      }
      for (const f of a.findings) if (PACKAGE_KINDS.has(f.kind)) insertFinding.run(tenantId, a.endpointId, f.kind, f.name, f.version ?? null, f.detail ?? null, a.at);
      for (const c of a.decision.trace.checks) {
        insertCheck.run(tenantId, a.endpointId, c.check, c.status, c.effectiveAction, JSON.stringify(c.result), a.at, FAILING.has(c.status) ? a.at : null);
      }
      insertVerdict.run(tenantId, a.endpointId, a.decision.verdict, a.cause, decision, a.at);
      const v = a.decision.verdict;
      updateEndpoint.run(decision, a.decision.trace.policy?.id ?? null, v, v, a.at, a.report ? a.at : null, a.report?.reportedAt ?? null, tenantId, a.endpointId);
    },
  };
}

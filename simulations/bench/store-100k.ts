/**
 * A 100,000-endpoint store for the list and RSS benchmarks, built once per `npm run bench` run.
 *
 * The real schema and migrations (openSqlite). Tenant, baseline policy, definitions, exceptions,
 * the admin account and its token, and identities go through the Store API / repositories. Each
 * endpoint gets a decision from the real engine over generated posture, and the rows that
 * registration plus a first posture report leave behind: the endpoint (verdict, decision, last
 * seen), its posture and last-known facts, check results, pending-update and vulnerable/forbidden
 * package findings and one verdict-history row.
 *
 * Those rows are written with raw prepared statements that mirror `endpoints.create` +
 * `assessments.record` (through drizzle the same writes take ~30x longer). Before the bulk load a
 * drift check writes a small sample both ways into in-memory stores and compares every row, so
 * if the repositories change, the benchmark fails instead of measuring stale data.
 * BENCH_FLEET_PATH=repos writes the whole fleet through the repositories instead.
 *
 * Left out: posture snapshots (history; neither the list nor re-evaluation reads them). Inventories
 * are 40 packages here, not 1,500: 100k full inventories would be ~7.5 GB of posture JSON (one copy
 * per endpoint in posture_inventories). Nothing the list reads depends on inventory size; re-evaluation
 * does, so its rate on this store is an upper bound.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountService } from '../../policy/auth/accounts.js';
import type { Decision } from '../../policy/decide/decision.js';
import { evaluate } from '../../policy/decide/evaluate.js';
import type { PolicyException } from '../../policy/decide/exception.js';
import type { Policy } from '../../policy/decide/policy.js';
import { createDefinitionsView } from '../../policy/definitions/memory-view.js';
import type { DefinitionsView } from '../../policy/definitions/view.js';
import { systemClock } from '../../policy/service/clock.js';
import type { Assessment, AuditEntry, NewEndpoint } from '../../policy/store/repository.js';
import { assessmentRepo, lastKnownOverrides, storedFacts } from '../../policy/store/sqlite/assessment-repo.js';
import { endpointRepo } from '../../policy/store/sqlite/endpoint-repo.js';
import { openSqlite, type Db } from '../../policy/store/sqlite/open.js';
import { identityRepo } from '../../policy/store/sqlite/policy-repos.js';
import { createSqliteStore } from '../../policy/store/sqlite/store.js';
import { newId } from '../../policy/util/ids.js';
import { fmt, tempDir } from './common.js';
import { baselinePolicy, buildUniverse, endpointPosture, exceptionsFor, groupsOfOwner, ownerName, profileOf, rng, type Universe } from './dataset.js';
import { BENCH_PASSWORD, writeConfig } from './server-process.js';

/** BENCH_FLEET_SIZE overrides it for quick trial runs; reported figures use the default. */
export const FLEET_SIZE = Number(process.env['BENCH_FLEET_SIZE']) || 100_000;
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

/**
 * The fleet store for this run (built on first use, removed by the run's cleanup). For iterating
 * on the benchmarks, BENCH_FLEET_DIR=<dir> builds it there and keeps it, and reuses it on later
 * runs (the benchmarks write to it: re-evaluation updates decisions).
 */
export function fleet(): Promise<Fleet> {
  const keep = process.env['BENCH_FLEET_DIR'];
  cached ??= (keep && existsSync(join(keep, 'fleet.json')) ? reuse(keep) : build(keep)).catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function reuse(dir: string): Promise<Fleet> {
  const f = JSON.parse(readFileSync(join(dir, 'fleet.json'), 'utf8')) as Fleet & { now: string };
  console.log(`reusing the ${fmt.int(FLEET_SIZE)}-endpoint store in ${dir} (BENCH_FLEET_DIR)`);
  return { ...f, dataDir: dir, dbPath: join(dir, 'kenneki.db'), configFile: writeConfig(dir), now: new Date(f.now) };
}

interface Inputs {
  tenantId: string;
  now: Date;
  u: Universe;
  definitions: DefinitionsView;
  policies: Policy[];
  exceptions: PolicyException[];
}

async function build(keepIn?: string): Promise<Fleet> {
  const started = Date.now();
  const tenantId = 'default';
  if (keepIn) mkdirSync(keepIn, { recursive: true });
  // Shared by the list and rss benchmarks: removed at the end of the run, not after the first.
  const dataDir = keepIn ?? tempDir('kenneki-bench-fleet-', 'run').dir;
  const dbPath = join(dataDir, 'kenneki.db');
  const now = new Date();
  const u = buildUniverse(now);
  const policy = baselinePolicy(tenantId, now);
  const inputs: Inputs = {
    tenantId,
    now,
    u,
    // Through JSON, as the server loads them from the store.
    definitions: createDefinitionsView(JSON.parse(JSON.stringify({ advisories: u.advisories, forbidden: u.forbidden }))),
    policies: [policy],
    exceptions: exceptionsFor(tenantId, now),
  };
  const viaRepos = process.env['BENCH_FLEET_PATH'] === 'repos';
  if (!viaRepos) await checkRawWriterMatchesRepositories(inputs);
  process.stdout.write(`building the ${fmt.int(FLEET_SIZE)}-endpoint store in ${dataDir} ...`);

  // Decision inputs, the admin account and its token, through the Store API.
  const store = createSqliteStore(dbPath);
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
    for (const e of inputs.exceptions) {
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

  const { db, raw } = openSqlite(dbPath);
  // Bulk load without a journal; the server reopens the file in WAL mode as always.
  raw.pragma('journal_mode = OFF');
  raw.pragma('synchronous = OFF');
  let counts: Counts;
  try {
    counts = await writeFleet(db, raw, viaRepos ? repoWriter(db, () => now, tenantId) : rawWriter(raw, tenantId), inputs, FLEET_SIZE, () => process.stdout.write('.'));
    raw.pragma('journal_mode = WAL');
  } finally {
    raw.close();
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
  const dbMb = statSync(dbPath).size / 2 ** 20;
  const buildSeconds = (Date.now() - started) / 1000;
  console.log(` done in ${fmt.n(buildSeconds)} s (${fmt.int(dbMb)} MB)`);
  const result: Fleet = {
    dataDir,
    dbPath,
    configFile: writeConfig(dataDir),
    tenantId,
    adminToken,
    now,
    commonPatch: top(counts.patches),
    commonVulnerablePackage: top(counts.packages),
    policyId: policy.id,
    dbMb,
    buildSeconds,
  };
  if (keepIn) writeFileSync(join(keepIn, 'fleet.json'), JSON.stringify(result));
  return result;
}

interface Counts {
  patches: Map<string, number>;
  packages: Map<string, number>;
}

/** Identities, then `size` endpoints with their first assessment, in batches of BATCH. */
async function writeFleet(db: Db, raw: Database.Database, writer: Writer, x: Inputs, size: number, progress?: () => void): Promise<Counts> {
  const { tenantId, now, u } = x;
  const owners = Math.max(100, Math.round(size * 0.6));
  const identities = identityRepo(db, () => now);
  const counts: Counts = { patches: new Map(), packages: new Map() };
  const r = rng(100_000);
  try {
    raw.exec('BEGIN');
    for (let i = 0; i < owners; i++) {
      await identities.upsert(tenantId, { kind: 'user', name: ownerName(i), groups: groupsOfOwner(i), source: 'ldap' }, undefined);
    }
    for (let i = 0; i < size; i += 20) {
      await identities.upsert(tenantId, { kind: 'device', name: hostnameOf(i), groups: [i % 40 === 0 ? 'lab-devices' : 'kiosk'], source: 'local' }, undefined);
    }
    raw.exec('COMMIT');

    for (let start = 0; start < size; start += BATCH) {
      raw.exec('BEGIN');
      for (let i = start; i < Math.min(size, start + BATCH); i++) {
        const firstSeen = new Date(now.getTime() - (1 + r() * 400) * DAY_MS).toISOString();
        const ownerIndex = (i * 7919) % owners;
        const owned = i % 20 !== 19; // 5% shared devices without an owner
        const tags = i % 3 === 0 ? ['laptop'] : ['desktop'];
        const id = await writer.create(
          {
            mac: `02:00:${hex(i >> 24)}:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`,
            deviceId: `dev-${i.toString(16).padStart(12, '0')}`,
            hostname: hostnameOf(i),
            ...(owned ? { owner: ownerName(ownerIndex) } : {}),
            tags,
            credentialHash: createHash('sha256').update(`bench-credential-${i}`).digest('hex'),
          },
          firstSeen,
        );
        const subject = {
          endpointId: id,
          ...(owned ? { user: ownerName(ownerIndex) } : {}),
          groups: [...(owned ? groupsOfOwner(ownerIndex) : []), ...(i % 20 === 0 ? [i % 40 === 0 ? 'lab-devices' : 'kiosk'] : [])],
          tags,
        };
        const base = {
          subject,
          policies: x.policies,
          exceptions: x.exceptions,
          definitions: x.definitions,
          failingSince: new Map<string, string>(),
          now,
          defaults: { unknownEndpointVerdict: 'isolate' as const, staleAfterHours: 24 },
        };

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
        for (const x of p.pendingUpdates) counts.patches.set(x.id, (counts.patches.get(x.id) ?? 0) + 1);
        for (const f of findings) if (f.kind === 'vulnerable-package') counts.packages.set(f.name, (counts.packages.get(f.name) ?? 0) + 1);
      }
      raw.exec('COMMIT');
      if ((start / BATCH) % 4 === 3) progress?.();
    }
  } catch (err) {
    if (raw.inTransaction) raw.exec('ROLLBACK');
    throw err;
  }
  return counts;
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

/** The rows create + record write for a new endpoint's first assessment, minus the snapshot. */
function rawWriter(raw: Database.Database, tenantId: string): Writer {
  const insertEndpoint = raw.prepare(
    `INSERT INTO endpoints (id, tenant_id, mac, device_id, hostname, owner, tags, credential_hash, first_seen_at, last_seen_at, verdict, verdict_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'isolate', ?)`,
  );
  // A new endpoint is 'isolate'; record() moves verdict_at only when the verdict changes.
  const updateEndpoint = raw.prepare(
    `UPDATE endpoints SET review_at = ?, policy_id = ?, verdict = ?, verdict_at = CASE WHEN ? <> 'isolate' THEN ? ELSE verdict_at END,
       last_seen_at = coalesce(?, last_seen_at), last_report_at = coalesce(?, last_report_at) WHERE tenant_id = ? AND id = ?`,
  );
  const insertPosture = raw.prepare(`INSERT INTO endpoint_posture (endpoint_id, tenant_id, reported_at, received_at, facts, last_known, inventory) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const insertInventory = raw.prepare(`INSERT INTO posture_inventories (tenant_id, endpoint_id, hash, value) VALUES (?, ?, ?, ?)`);
  const insertFinding = raw.prepare(`INSERT INTO endpoint_findings (tenant_id, endpoint_id, endpoint_seq, kind, name, version, detail, first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertCheck = raw.prepare(
    `INSERT INTO check_results (tenant_id, endpoint_id, endpoint_seq, check_id, status, action, result, evaluated_at, failing_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertDecision = raw.prepare(`INSERT INTO endpoint_decisions (endpoint_id, tenant_id, decision) VALUES (?, ?, ?)`);
  const insertVerdict = raw.prepare(`INSERT INTO verdicts (tenant_id, endpoint_id, verdict, previous, cause, decision, decided_at) VALUES (?, ?, ?, 'isolate', ?, ?, ?)`);
  const seqOf = new Map<string, number>();
  return {
    async create(e, at) {
      const id = newId();
      seqOf.set(id, Number(insertEndpoint.run(id, tenantId, e.mac ?? null, e.deviceId ?? null, e.hostname ?? null, e.owner ?? null, JSON.stringify(e.tags ?? []), e.credentialHash ?? null, at, at, at).lastInsertRowid));
      return id;
    },
    async record(a) {
      const decision = JSON.stringify(a.decision);
      const seq = seqOf.get(a.endpointId)!;
      if (a.report) {
        const stored = storedFacts(a.report.facts);
        if (stored.inventory) insertInventory.run(tenantId, a.endpointId, stored.inventory.hash, stored.inventory.value);
        insertPosture.run(a.endpointId, tenantId, a.report.reportedAt, a.at, stored.facts, JSON.stringify(lastKnownOverrides(a.report.facts, a.report.lastKnown)), stored.inventory?.hash ?? null);
        for (const u of a.report.pendingUpdates) insertFinding.run(tenantId, a.endpointId, seq, 'pending-update', u.id, u.version ?? null, null, a.at);
      }
      for (const f of a.findings) if (PACKAGE_KINDS.has(f.kind)) insertFinding.run(tenantId, a.endpointId, seq, f.kind, f.name, f.version ?? null, f.detail ?? null, a.at);
      for (const c of a.decision.trace.checks) {
        insertCheck.run(tenantId, a.endpointId, seq, c.check, c.status, c.effectiveAction, JSON.stringify(c.result), a.at, FAILING.has(c.status) ? a.at : null);
      }
      insertVerdict.run(tenantId, a.endpointId, a.decision.verdict, a.cause, decision, a.at);
      const v = a.decision.verdict;
      const reviewAt = (a.decision as { reviewAt?: string }).reviewAt ?? null;
      insertDecision.run(a.endpointId, tenantId, decision);
      updateEndpoint.run(reviewAt, a.decision.trace.policy?.id ?? null, v, v, a.at, a.report ? a.at : null, a.report?.reportedAt ?? null, tenantId, a.endpointId);
    },
  };
}

const TABLES = ['endpoints', 'endpoint_decisions', 'endpoint_posture', 'posture_inventories', 'check_results', 'endpoint_findings', 'verdicts', 'identities', 'identity_groups'];

/**
 * Writes a small sample through the repositories and through the raw writer, each into its own
 * in-memory store, and requires identical rows (ids and timestamps aside, snapshots excepted).
 */
async function checkRawWriterMatchesRepositories(x: Inputs): Promise<void> {
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const sample = async (viaRepos: boolean) => {
    const { db, raw } = openSqlite(':memory:');
    try {
      raw.prepare('INSERT INTO tenants (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)').run(x.tenantId, x.tenantId, 'Default', x.now.toISOString());
      await writeFleet(db, raw, viaRepos ? repoWriter(db, () => x.now, x.tenantId) : rawWriter(raw, x.tenantId), x, 60);
      const out: Record<string, string[]> = {};
      for (const t of TABLES) {
        out[t] = raw
          .prepare(`SELECT * FROM ${t}`)
          .all()
          .map((row) => JSON.stringify(Object.entries(row as Record<string, unknown>).filter(([k]) => k !== 'id')).replace(uuid, '<id>'))
          .sort();
      }
      return out;
    } finally {
      raw.close();
    }
  };
  const viaRepos = await sample(true);
  const viaRaw = await sample(false);
  for (const t of TABLES) {
    const a = viaRepos[t]!;
    const b = viaRaw[t]!;
    const i = a.findIndex((row, k) => row !== b[k]);
    if (a.length !== b.length || i >= 0) {
      throw new Error(
        `store-100k.ts: the raw writer no longer writes what the repositories write (table ${t}, ${a.length} vs ${b.length} rows` +
          (i >= 0 ? `; first difference:\n  repositories: ${a[i]?.slice(0, 600)}\n  raw writer:   ${b[i]?.slice(0, 600)}` : '') +
          '); update rawWriter to match assessments.record',
      );
    }
  }
}

function hex(n: number): string {
  return (n & 255).toString(16).padStart(2, '0');
}

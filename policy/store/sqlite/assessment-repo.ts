/**
 * Assessments: loading what the engine needs for a batch of endpoints, and writing one
 * evaluation's outcome (posture, findings, check results, verdict) in a single transaction.
 */
import { and, desc, eq, inArray, sql, type Placeholder } from 'drizzle-orm';
import type { Decision } from '../../decide/decision.js';
import type { Verdict } from '../../decide/policy.js';
import type { FactKey, FactSource, PostureFacts } from '../../posture/facts.js';
import { inventoryDigest, rememberDigest } from '../../posture/inventory-digest.js';
import type { Finding } from '../../verifiers/contract.js';
import type { Assessment, AssessmentOutcome, CurrentPosture, EvaluationState, IdentityHold, Store, VerdictCause, VerdictRecord } from '../repository.js';
import { toEndpoint } from './endpoint-repo.js';
import type { Db } from './open.js';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { checkResults, endpointDecisions, endpointFindings, endpointPosture, endpoints, identities, identityGroups, postureInventories, postureSnapshots, verdicts } from './schema.js';

const FAILING = new Set(['non-compliant-minor', 'non-compliant-major', 'unknown', 'error']);
const PACKAGE_KINDS = ['vulnerable-package', 'forbidden-package'];
const CHUNK = 500;

/**
 * `tenant_id = ?` as a filter only, for lookups by endpoint id. Without ANALYZE statistics SQLite
 * takes `tenant_id = ?` for a selective term, rates the tenant-prefixed indexes (check_results'
 * (tenant_id, check_id, status), endpoint_findings' (tenant_id, name, kind), endpoints'
 * (tenant_id, ...)) as good as the endpoint-id key, and often picks them: every lookup then reads
 * all of the tenant's rows (a million check results at 100k endpoints), for every endpoint. The
 * unary `+` keeps the tenant scoping but takes the term out of index selection, so the lookup goes
 * by endpoint id. Measured at 100k endpoints: re-evaluation went from ~13 to hundreds per second.
 */
const tenantFilter = (column: SQLiteColumn, tenantId: string | Placeholder) => sql`+${column} = ${tenantId}`;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/**
 * `record` writes through the given function (the store's writer thread) when there is one, else
 * on this connection.
 */
export function assessmentRepo(db: Db, record?: Store['assessments']['record']): Store['assessments'] {
  const q = assessmentStatements(db);
  const write = assessmentWriter(db, q);

  function loadChunk(tenantId: string, ids: string[]): EvaluationState[] {
    const rows = db.select().from(endpoints).where(and(tenantFilter(endpoints.tenantId, tenantId), inArray(endpoints.id, ids))).all();
    if (rows.length === 0) return [];
    const postures = new Map(
      db.select().from(endpointPosture).where(and(tenantFilter(endpointPosture.tenantId, tenantId), inArray(endpointPosture.endpointId, ids))).all().map((p) => [p.endpointId, p]),
    );
    const inventories = new Map(
      db
        .select({ endpointId: postureInventories.endpointId, value: postureInventories.value })
        .from(endpointPosture)
        .innerJoin(postureInventories, and(eq(postureInventories.endpointId, endpointPosture.endpointId), eq(postureInventories.hash, endpointPosture.inventory)))
        .where(and(tenantFilter(endpointPosture.tenantId, tenantId), inArray(endpointPosture.endpointId, ids), tenantFilter(postureInventories.tenantId, tenantId)))
        .all()
        .map((i) => [i.endpointId, i.value]),
    );
    const owners = [...new Set(rows.map((r) => r.owner).filter((o): o is string => o !== null))];
    const hosts = [...new Set(rows.map((r) => r.hostname).filter((h): h is string => h !== null))];
    const groupsOf = new Map<string, string[]>();
    const holds = new Map<string, IdentityHold>();
    if (owners.length + hosts.length > 0) {
      // Through identities' (tenant_id, kind, name) index, then identity_groups by primary key:
      // identity_groups has no index on the member name, so filtering it directly scans the
      // whole tenant's memberships. Ordered by group name, as the group index used to return them.
      // A left join, so an identity held with no groups (a directory's fail mode) still shows.
      const gs = db
        .select({ kind: identities.kind, name: identities.name, groupName: identityGroups.groupName, status: identities.status, hold: identities.hold })
        .from(identities)
        .leftJoin(identityGroups, and(eq(identityGroups.identityId, identities.id), tenantFilter(identityGroups.tenantId, tenantId)))
        .where(
          and(
            eq(identities.tenantId, tenantId),
            sql`((${identities.kind} = 'user' AND ${inArray(identities.name, owners.length ? owners : [''])}) OR (${identities.kind} = 'device' AND ${inArray(identities.name, hosts.length ? hosts : [''])}))`,
          ),
        )
        .orderBy(identityGroups.groupName)
        .all();
      for (const g of gs) {
        const key = `${g.kind}\0${g.name}`;
        if (g.groupName !== null) groupsOf.set(key, [...(groupsOf.get(key) ?? []), g.groupName]);
        if (g.status === 'unverified') holds.set(key, toHold(g));
      }
    }
    const firstReported = new Map<string, Map<string, Date>>();
    for (const f of db
      .select({ endpointId: endpointFindings.endpointId, name: endpointFindings.name, firstSeenAt: endpointFindings.firstSeenAt })
      .from(endpointFindings)
      .where(and(tenantFilter(endpointFindings.tenantId, tenantId), inArray(endpointFindings.endpointId, ids), eq(endpointFindings.kind, 'pending-update')))
      .all()) {
      const m = firstReported.get(f.endpointId) ?? new Map<string, Date>();
      m.set(f.name, new Date(f.firstSeenAt));
      firstReported.set(f.endpointId, m);
    }
    const failingSince = new Map<string, Map<string, string>>();
    for (const c of db
      .select({ endpointId: checkResults.endpointId, checkId: checkResults.checkId, failingSince: checkResults.failingSince })
      .from(checkResults)
      .where(and(tenantFilter(checkResults.tenantId, tenantId), inArray(checkResults.endpointId, ids)))
      .all()) {
      if (c.failingSince === null) continue;
      const m = failingSince.get(c.endpointId) ?? new Map<string, string>();
      m.set(c.checkId, c.failingSince);
      failingSince.set(c.endpointId, m);
    }
    return rows.map((r) => {
      const p = postures.get(r.id);
      const groups = [...(r.owner ? (groupsOf.get(`user\0${r.owner}`) ?? []) : []), ...(r.hostname ? (groupsOf.get(`device\0${r.hostname}`) ?? []) : [])];
      const identityHold = stricterHold(r.owner ? holds.get(`user\0${r.owner}`) : undefined, r.hostname ? holds.get(`device\0${r.hostname}`) : undefined);
      return {
        endpoint: toEndpoint(r),
        ...(p ? { posture: currentPosture(p, inventories.get(r.id)) } : {}),
        groups,
        ...(identityHold ? { identityHold } : {}),
        firstReported: firstReported.get(r.id) ?? new Map(),
        failingSince: failingSince.get(r.id) ?? new Map(),
      };
    });
  }

  /** One endpoint (every report, the endpoint detail page): the same state through prepared statements. */
  function loadOne(tenantId: string, endpointId: string): EvaluationState[] {
    const r = q.endpoint.get({ tenantId, endpointId });
    if (!r) return [];
    const p = q.posture.get({ tenantId, endpointId });
    // Read on first use only: a report that brings its own inventory (most do) replaces this one
    // unread, and it is the largest value of the state. The read follows within the same
    // evaluation; an inventory is deleted only once no posture or snapshot refers to it.
    const hash = p?.inventory;
    const inventory = hash ? () => q.inventory.get({ tenantId, endpointId, hash })?.value : undefined;
    const identityOf = (kind: 'user' | 'device', name: string | null) => {
      const rows = name ? q.identity.all({ tenantId, kind, name }) : [];
      const held = rows[0]?.status === 'unverified' ? toHold({ kind, name: name!, hold: rows[0].hold }) : undefined;
      return { groups: rows.flatMap((g) => (g.groupName === null ? [] : [g.groupName])), held };
    };
    const user = identityOf('user', r.owner);
    const device = identityOf('device', r.hostname);
    const groups = [...user.groups, ...device.groups];
    const identityHold = stricterHold(user.held, device.held);
    const firstReported = new Map(q.pendingUpdates.all({ tenantId, endpointId }).map((f) => [f.name, new Date(f.firstSeenAt)]));
    const failingSince = new Map<string, string>();
    for (const c of q.failingSince.all({ tenantId, endpointId })) if (c.failingSince !== null) failingSince.set(c.checkId, c.failingSince);
    return [{ endpoint: toEndpoint(r), ...(p ? { posture: currentPosture(p, inventory) } : {}), groups, ...(identityHold ? { identityHold } : {}), firstReported, failingSince }];
  }

  return {
    async loadState(tenantId, ids) {
      if (ids.length === 1) return loadOne(tenantId, ids[0]!);
      return chunks(ids).flatMap((c) => loadChunk(tenantId, c));
    },
    record: record ?? (async (a) => write(encodeAssessment(a), a.decision)),
  };
}

/**
 * One assessment as its write needs it, the stored JSON already serialised. Built on the thread
 * that decided (serialising is cheaper than structured-cloning the objects for the writer thread,
 * and the JSON is what gets stored anyway); written by `assessmentWriter` on whichever thread
 * owns the write.
 */
export interface AssessmentWrite {
  tenantId: string;
  endpointId: string;
  at: string;
  cause: VerdictCause;
  basedOnReportAt?: string | null;
  report?: {
    reportedAt: string;
    source: FactSource;
    /** storedFacts(): the facts with an ok package inventory replaced by its hash. */
    facts: string;
    inventory?: { hash: string; value: string };
    /** JSON of lastKnownOverrides(): computed here, as it compares facts by identity. */
    lastKnown: string;
    pendingUpdates: { id: string; version?: string }[];
  };
  /** The package findings: the only kinds stored with the assessment. */
  findings: Finding[];
  /** JSON of the decision. */
  decision: string;
}

export function encodeAssessment(a: Assessment): AssessmentWrite {
  const r = a.report;
  let report: AssessmentWrite['report'];
  if (r) {
    const stored = storedFacts(r.facts);
    report = {
      reportedAt: r.reportedAt,
      source: r.source,
      facts: stored.facts,
      ...(stored.inventory ? { inventory: stored.inventory } : {}),
      lastKnown: JSON.stringify(lastKnownOverrides(r.facts, r.lastKnown)),
      pendingUpdates: r.pendingUpdates,
    };
  }
  return {
    tenantId: a.tenantId,
    endpointId: a.endpointId,
    at: a.at,
    cause: a.cause,
    ...(a.basedOnReportAt !== undefined ? { basedOnReportAt: a.basedOnReportAt } : {}),
    ...(report ? { report } : {}),
    findings: a.findings.filter((f) => PACKAGE_KINDS.includes(f.kind)),
    decision: JSON.stringify(a.decision),
  };
}

/**
 * Writes one assessment in one transaction: posture, snapshot, inventory, findings, check results,
 * verdict, decision and the endpoint row. `decision` is w.decision parsed (passed when the caller
 * still has the object).
 */
export function assessmentWriter(db: Db, q: Statements = assessmentStatements(db)): (w: AssessmentWrite, decision?: Decision) => AssessmentOutcome {
  return (w, decision = JSON.parse(w.decision) as Decision) =>
    db.transaction((): AssessmentOutcome => {
      const current = q.current.get({ tenantId: w.tenantId, endpointId: w.endpointId });
      if (!current) throw new Error(`endpoint ${w.endpointId} vanished during assessment`);
      const previous = current.verdict as Verdict;
      if (w.basedOnReportAt !== undefined && w.basedOnReportAt !== current.lastReportAt) return { previous, changed: false, skipped: true };
      const ids = { tenantId: w.tenantId, endpointId: w.endpointId };

      const existing = q.findings.all(ids);
      if (w.report) {
        const r = w.report;
        // The current posture and its history row hold the same facts, serialised once.
        if (r.inventory) q.insertInventory.run({ ...ids, ...r.inventory });
        const inventory = r.inventory?.hash ?? null;
        q.upsertPosture.run({ ...ids, reportedAt: r.reportedAt, receivedAt: w.at, facts: r.facts, lastKnown: r.lastKnown, inventory });
        q.insertSnapshot.run({ ...ids, reportedAt: r.reportedAt, receivedAt: w.at, source: r.source, facts: r.facts, inventory });
        const updates = r.pendingUpdates.map((u): Finding => ({ kind: 'pending-update', name: u.id, ...(u.version ? { version: u.version } : {}) }));
        replaceFindings(q, ids, current.seq, ['pending-update'], existing, updates, w.at);
      }
      replaceFindings(q, ids, current.seq, PACKAGE_KINDS, existing, w.findings, w.at);
      writeCheckResults(q, ids, current.seq, decision, w.at);

      const changed = previous !== decision.verdict || materiallyDifferent(current.decision as Decision | null, decision);
      let verdictId: number | undefined;
      if (changed) {
        verdictId = Number(q.insertVerdict.run({ ...ids, verdict: decision.verdict, previous, cause: w.cause, decision: w.decision, decidedAt: w.at }).lastInsertRowid);
      }
      q.upsertDecision.run({ ...ids, decision: w.decision });
      q.updateEndpoint.run({
        ...ids,
        reviewAt: decision.reviewAt ?? null,
        policyId: decision.trace.policy?.id ?? null,
        verdict: decision.verdict,
        at: w.at,
        seenAt: w.report ? w.at : null,
        reportAt: w.report?.reportedAt ?? null,
      });
      // A placement change (the role moved the VLAN) with the same verdict is still news for enforcement.
      const previousVlan = (current.decision as Decision | null)?.vlan;
      const placementChanged = previousVlan !== decision.vlan;
      return { previous, changed: previous !== decision.verdict, ...(placementChanged ? { placementChanged, ...(previousVlan !== undefined ? { previousVlan } : {}) } : {}), ...(verdictId !== undefined ? { verdictId } : {}) };
    });
}

/** `inventory` is the stored inventory's JSON, or a function that reads it when first needed. */
type StoredInventory = string | (() => string | undefined) | undefined;

function currentPosture(p: typeof endpointPosture.$inferSelect, inventory: StoredInventory): CurrentPosture {
  const facts = withInventory(p.facts as StoredFacts, inventory);
  return { reportedAt: p.reportedAt, receivedAt: p.receivedAt, facts, lastKnown: withLastKnown(facts, p.lastKnown as LastKnownOverrides) };
}

type StoredFacts = PostureFacts & { packages?: { inventory?: string } };

/**
 * Facts as endpoint_posture and posture_snapshots hold them: an `ok` package inventory is replaced
 * by the hash of its value, which goes to posture_inventories once per endpoint and content.
 */
export function storedFacts(facts: PostureFacts): { facts: string; inventory?: { hash: string; value: string } } {
  const packages = facts.packages;
  if (packages?.status !== 'ok') return { facts: JSON.stringify(facts) };
  const { value: list, ...meta } = packages;
  // Usually computed already: the packages check judged the inventory under the same digest.
  const { json: value, hash } = inventoryDigest(list);
  return { facts: JSON.stringify({ ...facts, packages: { ...meta, inventory: hash } }), inventory: { hash, value } };
}

/** The inverse of storedFacts, given the inventory's stored value (or its reader). */
function withInventory(stored: StoredFacts, inventory: StoredInventory): PostureFacts {
  const ref = stored.packages?.inventory;
  if (ref === undefined) return stored;
  // A missing inventory would be a store bug (it is written in the same transaction as the posture).
  if (inventory === undefined) throw new Error(`package inventory ${ref} missing from the store`);
  const { inventory: _, ...meta } = stored.packages!;
  // Parsed on first read only: an ingest whose report brings its own inventory replaces this one
  // unread, and parsing 300 packages is a good part of loading an endpoint's state.
  let parsed: object | undefined;
  const parse = (): object => {
    const json = typeof inventory === 'string' ? inventory : inventory();
    if (json === undefined) throw new Error(`package inventory ${ref} missing from the store`);
    const value = JSON.parse(json) as object;
    rememberDigest(value, { json, hash: ref });
    return value;
  };
  const packages = Object.defineProperty({ ...meta }, 'value', { enumerable: true, get: () => (parsed ??= parse()) });
  return { ...stored, packages } as PostureFacts;
}

/**
 * endpoint_posture.last_known holds only where the last good value of a fact differs from the
 * report's own: every fact reported `ok` is its own last good value, so storing those again would
 * double the row (a 300-package inventory is most of it). A key mapped to null is absent from
 * lastKnown although the report has it ok. Rows written before this encoding hold the whole
 * lastKnown, which decodes to itself.
 */
export type LastKnownOverrides = Partial<Record<string, PostureFacts[FactKey] | null>>;

export function lastKnownOverrides(facts: PostureFacts, lastKnown: PostureFacts): LastKnownOverrides {
  const out: LastKnownOverrides = {};
  const f = facts as Record<string, PostureFacts[FactKey]>;
  const known = lastKnown as Record<string, PostureFacts[FactKey]>;
  for (const k of Object.keys(known)) if (known[k] !== f[k] || f[k]?.status !== 'ok') out[k] = known[k];
  for (const k of Object.keys(f)) if (f[k]?.status === 'ok' && !(k in known)) out[k] = null;
  return out;
}

export function withLastKnown(facts: PostureFacts, overrides: LastKnownOverrides): PostureFacts {
  const out: Record<string, unknown> = {};
  const f = facts as Record<string, PostureFacts[FactKey]>;
  for (const k of Object.keys(f)) if (f[k]?.status === 'ok' && !(k in overrides)) out[k] = f[k];
  for (const [k, v] of Object.entries(overrides)) if (v !== null && v !== undefined) out[k] = v;
  return out as PostureFacts;
}

/**
 * The statements of the per-report path, prepared once per store: drizzle would otherwise build
 * the SQL and better-sqlite3 compile it again for every query of every report (about a fifth of
 * the server's CPU per assessment). JSON that is written twice is passed pre-serialised (`json`).
 */
function assessmentStatements(db: Db) {
  const p = sql.placeholder;
  const tenant = p('tenantId');
  const endpointId = p('endpointId');
  /**
   * A value bound as is, not through the column's encoder: for JSON serialised beforehand, and
   * in UPDATE ... SET, which takes no bare placeholders.
   */
  const bound = (name: string) => sql`${p(name)}`;
  const json = bound;
  return {
    endpoint: db.select().from(endpoints).where(and(eq(endpoints.id, endpointId), tenantFilter(endpoints.tenantId, tenant))).prepare(),
    posture: db.select().from(endpointPosture).where(and(eq(endpointPosture.endpointId, endpointId), tenantFilter(endpointPosture.tenantId, tenant))).prepare(),
    inventory: db
      .select({ value: postureInventories.value })
      .from(postureInventories)
      .where(and(eq(postureInventories.endpointId, endpointId), eq(postureInventories.hash, p('hash')), tenantFilter(postureInventories.tenantId, tenant)))
      .prepare(),
    /** Usually already there: the endpoint reported the same packages before. */
    insertInventory: db.insert(postureInventories).values({ tenantId: tenant, endpointId, hash: p('hash'), value: p('value') }).onConflictDoNothing().prepare(),
    /** One identity's groups (in group-name order) and its hold, in one statement: a row per group, or one with no group. */
    identity: db
      .select({ groupName: identityGroups.groupName, status: identities.status, hold: identities.hold })
      .from(identities)
      .leftJoin(identityGroups, and(eq(identityGroups.identityId, identities.id), tenantFilter(identityGroups.tenantId, tenant)))
      .where(and(eq(identities.tenantId, tenant), eq(identities.kind, p('kind')), eq(identities.name, p('name'))))
      .orderBy(identityGroups.groupName)
      .prepare(),
    pendingUpdates: db
      .select({ name: endpointFindings.name, firstSeenAt: endpointFindings.firstSeenAt })
      .from(endpointFindings)
      .where(and(eq(endpointFindings.endpointId, endpointId), eq(endpointFindings.kind, 'pending-update'), tenantFilter(endpointFindings.tenantId, tenant)))
      .prepare(),
    failingSince: db
      .select({ checkId: checkResults.checkId, failingSince: checkResults.failingSince })
      .from(checkResults)
      .where(and(eq(checkResults.endpointId, endpointId), tenantFilter(checkResults.tenantId, tenant)))
      .prepare(),
    current: db
      .select({ seq: endpoints.seq, verdict: endpoints.verdict, decision: endpointDecisions.decision, lastReportAt: endpoints.lastReportAt })
      .from(endpoints)
      .leftJoin(endpointDecisions, eq(endpointDecisions.endpointId, endpoints.id))
      .where(and(eq(endpoints.tenantId, tenant), eq(endpoints.id, endpointId)))
      .prepare(),
    upsertPosture: db
      .insert(endpointPosture)
      .values({ endpointId, tenantId: tenant, reportedAt: p('reportedAt'), receivedAt: p('receivedAt'), facts: json('facts'), lastKnown: json('lastKnown'), inventory: p('inventory') })
      .onConflictDoUpdate({
        target: endpointPosture.endpointId,
        set: { reportedAt: sql`excluded.reported_at`, receivedAt: sql`excluded.received_at`, facts: sql`excluded.facts`, lastKnown: sql`excluded.last_known`, inventory: sql`excluded.inventory` },
      })
      .prepare(),
    insertSnapshot: db
      .insert(postureSnapshots)
      .values({ tenantId: tenant, endpointId, reportedAt: p('reportedAt'), receivedAt: p('receivedAt'), source: p('source'), facts: json('facts'), inventory: p('inventory') })
      .prepare(),
    findings: db
      .select({ kind: endpointFindings.kind, name: endpointFindings.name, version: endpointFindings.version, detail: endpointFindings.detail })
      .from(endpointFindings)
      .where(and(eq(endpointFindings.endpointId, endpointId), tenantFilter(endpointFindings.tenantId, tenant)))
      .prepare(),
    insertFinding: db
      .insert(endpointFindings)
      .values({ tenantId: tenant, endpointId, endpointSeq: p('endpointSeq'), kind: p('kind'), name: p('name'), version: p('version'), detail: p('detail'), firstSeenAt: p('firstSeenAt') })
      .prepare(),
    /** first_seen_at and endpoint_seq stay: grace counts from the first report. */
    updateFinding: db
      .update(endpointFindings)
      .set({ version: bound('version'), detail: bound('detail') })
      .where(and(eq(endpointFindings.endpointId, endpointId), eq(endpointFindings.kind, p('kind')), eq(endpointFindings.name, p('name')), tenantFilter(endpointFindings.tenantId, tenant)))
      .prepare(),
    deleteFinding: db
      .delete(endpointFindings)
      .where(and(eq(endpointFindings.endpointId, endpointId), eq(endpointFindings.kind, p('kind')), eq(endpointFindings.name, p('name')), tenantFilter(endpointFindings.tenantId, tenant)))
      .prepare(),
    /** Results of checks the decision no longer has; `checkIds` is a JSON array. */
    deleteOtherChecks: db
      .delete(checkResults)
      .where(and(eq(checkResults.endpointId, endpointId), tenantFilter(checkResults.tenantId, tenant), sql`${checkResults.checkId} NOT IN (SELECT value FROM json_each(${p('checkIds')}))`))
      .prepare(),
    upsertCheck: db
      .insert(checkResults)
      .values({
        tenantId: tenant,
        endpointId,
        endpointSeq: p('endpointSeq'),
        checkId: p('checkId'),
        status: p('status'),
        action: p('action'),
        result: p('result'),
        evaluatedAt: p('at'),
        failingSince: p('failingSince'),
      })
      .onConflictDoUpdate({
        target: [checkResults.endpointId, checkResults.checkId],
        set: {
          status: sql`excluded.status`,
          action: sql`excluded.action`,
          result: sql`excluded.result`,
          evaluatedAt: sql`excluded.evaluated_at`,
          // First failure is kept while the check keeps failing; a pass resets it.
          failingSince: sql`CASE WHEN excluded.failing_since IS NULL THEN NULL ELSE coalesce(${checkResults.failingSince}, excluded.failing_since) END`,
        },
      })
      .prepare(),
    insertVerdict: db
      .insert(verdicts)
      .values({ tenantId: tenant, endpointId, verdict: p('verdict'), previous: p('previous'), cause: p('cause'), decision: json('decision'), decidedAt: p('decidedAt') })
      .prepare(),
    upsertDecision: db
      .insert(endpointDecisions)
      .values({ endpointId, tenantId: tenant, decision: json('decision') })
      .onConflictDoUpdate({ target: endpointDecisions.endpointId, set: { decision: sql`excluded.decision` } })
      .prepare(),
    /** verdict_at moves only when the verdict does; last seen and last report only with a report. */
    updateEndpoint: db
      .update(endpoints)
      .set({
        reviewAt: bound('reviewAt'),
        policyId: bound('policyId'),
        verdict: bound('verdict'),
        verdictAt: sql`CASE WHEN ${endpoints.verdict} IS NOT ${p('verdict')} THEN ${p('at')} ELSE ${endpoints.verdictAt} END`,
        lastSeenAt: sql`coalesce(${p('seenAt')}, ${endpoints.lastSeenAt})`,
        lastReportAt: sql`coalesce(${p('reportAt')}, ${endpoints.lastReportAt})`,
      })
      .where(and(eq(endpoints.tenantId, tenant), eq(endpoints.id, endpointId)))
      .prepare(),
  };
}

type Statements = ReturnType<typeof assessmentStatements>;
type EndpointIds = { tenantId: string; endpointId: string };
type StoredFinding = { kind: string; name: string; version: string | null; detail: string | null };

/**
 * Brings the endpoint's findings of `kinds` to `findings`, touching only rows that change: most
 * reports repeat the previous findings. Keeps first_seen_at of findings that persist: grace
 * counts from the first report.
 */
function replaceFindings(q: Statements, ids: EndpointIds, endpointSeq: number, kinds: string[], existing: StoredFinding[], findings: Finding[], at: string): void {
  const wanted = new Map<string, Finding>();
  for (const f of findings) wanted.set(`${f.kind}\0${f.name}`, f);
  for (const row of existing) {
    if (!kinds.includes(row.kind)) continue;
    const key = `${row.kind}\0${row.name}`;
    const f = wanted.get(key);
    if (!f) {
      q.deleteFinding.run({ ...ids, kind: row.kind, name: row.name });
      continue;
    }
    wanted.delete(key);
    const version = f.version ?? null;
    const detail = f.detail ?? null;
    if (version !== row.version || detail !== row.detail) q.updateFinding.run({ ...ids, kind: f.kind, name: f.name, version, detail });
  }
  for (const f of wanted.values()) {
    q.insertFinding.run({ ...ids, endpointSeq, kind: f.kind, name: f.name, version: f.version ?? null, detail: f.detail ?? null, firstSeenAt: at });
  }
}

function writeCheckResults(q: Statements, ids: EndpointIds, endpointSeq: number, decision: Decision, at: string): void {
  const checks = decision.trace.checks;
  q.deleteOtherChecks.run({ ...ids, checkIds: JSON.stringify(checks.map((c) => c.check)) });
  for (const c of checks) {
    const failing = FAILING.has(c.status);
    q.upsertCheck.run({ ...ids, endpointSeq, checkId: c.check, status: c.status, action: c.effectiveAction, result: c.result, at, failingSince: failing ? at : null });
  }
}

/** A new history row is worth keeping when the verdict or the set of acting checks changed. */
function materiallyDifferent(prev: Decision | null, next: Decision): boolean {
  if (!prev) return true;
  const acting = (d: Decision) =>
    d.trace.checks
      .filter((c) => c.effectiveAction !== 'pass')
      .map((c) => `${c.check}:${c.effectiveAction}`)
      .sort()
      .join(',') + `|${d.trace.defaulted ?? ''}|${d.trace.policy?.id ?? ''}`;
  return acting(prev) !== acting(next);
}

export function verdictRepo(db: Db): Store['verdicts'] {
  const toRecord = (r: typeof verdicts.$inferSelect): VerdictRecord => ({
    id: r.id,
    endpointId: r.endpointId,
    verdict: r.verdict as Verdict,
    ...(r.previous !== null ? { previous: r.previous as Verdict } : {}),
    cause: r.cause as VerdictCause,
    decision: r.decision as Decision,
    decidedAt: r.decidedAt,
  });
  return {
    async history(tenantId, endpointId, limit) {
      return db.select().from(verdicts).where(and(eq(verdicts.tenantId, tenantId), eq(verdicts.endpointId, endpointId))).orderBy(desc(verdicts.id)).limit(limit).all().map(toRecord);
    },
    async latest(tenantId, endpointId) {
      const r = db.select().from(verdicts).where(and(eq(verdicts.tenantId, tenantId), eq(verdicts.endpointId, endpointId))).orderBy(desc(verdicts.id)).limit(1).get();
      return r && toRecord(r);
    },
    async current(tenantId, endpointId) {
      const r = db.select({ decision: endpointDecisions.decision }).from(endpointDecisions).where(and(eq(endpointDecisions.tenantId, tenantId), eq(endpointDecisions.endpointId, endpointId))).get();
      return r?.decision as Decision | undefined;
    },
    async checkResults(tenantId, endpointId) {
      return db
        .select()
        .from(checkResults)
        .where(and(tenantFilter(checkResults.tenantId, tenantId), eq(checkResults.endpointId, endpointId)))
        .all()
        .map((r) => ({ checkId: r.checkId, status: r.status, action: r.action, evaluatedAt: r.evaluatedAt, ...(r.failingSince !== null ? { failingSince: r.failingSince } : {}) }));
    },
    async findings(tenantId, endpointId) {
      return db
        .select()
        .from(endpointFindings)
        .where(and(tenantFilter(endpointFindings.tenantId, tenantId), eq(endpointFindings.endpointId, endpointId)))
        .all()
        .map((r) => ({
          kind: r.kind as Finding['kind'],
          name: r.name,
          firstSeenAt: r.firstSeenAt,
          ...(r.version !== null ? { version: r.version } : {}),
          ...(r.detail !== null ? { detail: r.detail } : {}),
        }));
    },
  };
}

function toHold(h: { kind: string; name: string; hold: string | null }): IdentityHold {
  return { kind: h.kind === 'device' ? 'device' : 'user', name: h.name, verdict: h.hold === 'deny' ? 'deny' : 'isolate' };
}

/** The user's and the device's holds together: the stricter one applies. */
function stricterHold(a: IdentityHold | undefined, b: IdentityHold | undefined): IdentityHold | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return b.verdict === 'deny' && a.verdict !== 'deny' ? b : a;
}

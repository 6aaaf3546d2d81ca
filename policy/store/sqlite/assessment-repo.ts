/**
 * Assessments: loading what the engine needs for a batch of endpoints, and writing one
 * evaluation's outcome (posture, findings, check results, verdict) in a single transaction.
 */
import { and, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Decision } from '../../decide/decision.js';
import type { Verdict } from '../../decide/policy.js';
import type { PostureFacts } from '../../posture/facts.js';
import type { Finding } from '../../verifiers/contract.js';
import type { AssessmentOutcome, EvaluationState, Store, VerdictCause, VerdictRecord } from '../repository.js';
import { toEndpoint } from './endpoint-repo.js';
import type { Db } from './open.js';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { checkResults, endpointDecisions, endpointFindings, endpointPosture, endpoints, identities, identityGroups, postureSnapshots, verdicts } from './schema.js';

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
const tenantFilter = (column: SQLiteColumn, tenantId: string) => sql`+${column} = ${tenantId}`;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

export function assessmentRepo(db: Db): Store['assessments'] {
  function loadChunk(tenantId: string, ids: string[]): EvaluationState[] {
    const rows = db.select().from(endpoints).where(and(tenantFilter(endpoints.tenantId, tenantId), inArray(endpoints.id, ids))).all();
    if (rows.length === 0) return [];
    const postures = new Map(
      db.select().from(endpointPosture).where(and(tenantFilter(endpointPosture.tenantId, tenantId), inArray(endpointPosture.endpointId, ids))).all().map((p) => [p.endpointId, p]),
    );
    const owners = [...new Set(rows.map((r) => r.owner).filter((o): o is string => o !== null))];
    const hosts = [...new Set(rows.map((r) => r.hostname).filter((h): h is string => h !== null))];
    const groupsOf = new Map<string, string[]>();
    if (owners.length + hosts.length > 0) {
      // Through identities' (tenant_id, kind, name) index, then identity_groups by primary key:
      // identity_groups has no index on the member name, so filtering it directly scans the
      // whole tenant's memberships. Ordered by group name, as the group index used to return them.
      const gs = db
        .select({ kind: identityGroups.kind, name: identityGroups.name, groupName: identityGroups.groupName })
        .from(identities)
        .innerJoin(identityGroups, eq(identityGroups.identityId, identities.id))
        .where(
          and(
            eq(identities.tenantId, tenantId),
            tenantFilter(identityGroups.tenantId, tenantId),
            sql`((${identities.kind} = 'user' AND ${inArray(identities.name, owners.length ? owners : [''])}) OR (${identities.kind} = 'device' AND ${inArray(identities.name, hosts.length ? hosts : [''])}))`,
          ),
        )
        .orderBy(identityGroups.groupName)
        .all();
      for (const g of gs) {
        const key = `${g.kind}\0${g.name}`;
        groupsOf.set(key, [...(groupsOf.get(key) ?? []), g.groupName]);
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
      return {
        endpoint: toEndpoint(r),
        ...(p ? { posture: { reportedAt: p.reportedAt, receivedAt: p.receivedAt, facts: p.facts as PostureFacts, lastKnown: p.lastKnown as PostureFacts } } : {}),
        groups,
        firstReported: firstReported.get(r.id) ?? new Map(),
        failingSince: failingSince.get(r.id) ?? new Map(),
      };
    });
  }

  return {
    async loadState(tenantId, ids) {
      return chunks(ids).flatMap((c) => loadChunk(tenantId, c));
    },
    async record(a) {
      return db.transaction((tx): AssessmentOutcome => {
        const current = tx
          .select({ seq: endpoints.seq, verdict: endpoints.verdict, decision: endpointDecisions.decision, lastReportAt: endpoints.lastReportAt })
          .from(endpoints)
          .leftJoin(endpointDecisions, eq(endpointDecisions.endpointId, endpoints.id))
          .where(and(eq(endpoints.tenantId, a.tenantId), eq(endpoints.id, a.endpointId)))
          .get();
        if (!current) throw new Error(`endpoint ${a.endpointId} vanished during assessment`);
        const previous = current.verdict as Verdict;
        if (a.basedOnReportAt !== undefined && a.basedOnReportAt !== current.lastReportAt) return { previous, changed: false, skipped: true };

        if (a.report) {
          const r = a.report;
          tx.insert(endpointPosture)
            .values({ endpointId: a.endpointId, tenantId: a.tenantId, reportedAt: r.reportedAt, receivedAt: a.at, facts: r.facts, lastKnown: r.lastKnown })
            .onConflictDoUpdate({ target: endpointPosture.endpointId, set: { reportedAt: r.reportedAt, receivedAt: a.at, facts: r.facts, lastKnown: r.lastKnown } })
            .run();
          tx.insert(postureSnapshots).values({ tenantId: a.tenantId, endpointId: a.endpointId, reportedAt: r.reportedAt, receivedAt: a.at, source: r.source, facts: r.facts }).run();
          replaceFindings(tx, a.tenantId, a.endpointId, current.seq, ['pending-update'], r.pendingUpdates.map((u) => ({ kind: 'pending-update', name: u.id, ...(u.version ? { version: u.version } : {}) })), a.at);
        }
        replaceFindings(tx, a.tenantId, a.endpointId, current.seq, PACKAGE_KINDS, a.findings.filter((f) => PACKAGE_KINDS.includes(f.kind)), a.at);
        writeCheckResults(tx, a.tenantId, a.endpointId, current.seq, a.decision, a.at);

        const changed = previous !== a.decision.verdict || materiallyDifferent(current.decision as Decision | null, a.decision);
        let verdictId: number | undefined;
        if (changed) {
          verdictId = Number(
            tx.insert(verdicts).values({ tenantId: a.tenantId, endpointId: a.endpointId, verdict: a.decision.verdict, previous, cause: a.cause, decision: a.decision, decidedAt: a.at }).run().lastInsertRowid,
          );
        }
        tx.insert(endpointDecisions)
          .values({ endpointId: a.endpointId, tenantId: a.tenantId, decision: a.decision })
          .onConflictDoUpdate({ target: endpointDecisions.endpointId, set: { decision: a.decision } })
          .run();
        tx.update(endpoints)
          .set({
            reviewAt: a.decision.reviewAt ?? null,
            policyId: a.decision.trace.policy?.id ?? null,
            ...(previous !== a.decision.verdict ? { verdict: a.decision.verdict, verdictAt: a.at } : {}),
            ...(a.report ? { lastSeenAt: a.at, lastReportAt: a.report.reportedAt } : {}),
          })
          .where(and(eq(endpoints.tenantId, a.tenantId), eq(endpoints.id, a.endpointId)))
          .run();
        return { previous, changed: previous !== a.decision.verdict, ...(verdictId !== undefined ? { verdictId } : {}) };
      });
    },
  };
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Keeps first_seen_at of findings that persist: grace counts from the first report. */
function replaceFindings(tx: Tx, tenantId: string, endpointId: string, endpointSeq: number, kinds: string[], findings: Finding[], at: string): void {
  const scope = and(tenantFilter(endpointFindings.tenantId, tenantId), eq(endpointFindings.endpointId, endpointId), inArray(endpointFindings.kind, kinds));
  const keep = findings.map((f) => `${f.kind}\0${f.name}`);
  if (keep.length === 0) tx.delete(endpointFindings).where(scope).run();
  else tx.delete(endpointFindings).where(and(scope, notInArray(sql`${endpointFindings.kind} || char(0) || ${endpointFindings.name}`, keep))).run();
  for (const f of findings) {
    tx.insert(endpointFindings)
      .values({ tenantId, endpointId, endpointSeq, kind: f.kind, name: f.name, version: f.version ?? null, detail: f.detail ?? null, firstSeenAt: at })
      .onConflictDoUpdate({ target: [endpointFindings.endpointId, endpointFindings.kind, endpointFindings.name], set: { version: f.version ?? null, detail: f.detail ?? null } })
      .run();
  }
}

function writeCheckResults(tx: Tx, tenantId: string, endpointId: string, endpointSeq: number, decision: Decision, at: string): void {
  const checks = decision.trace.checks;
  const ids = checks.map((c) => c.check as string);
  const scope = and(tenantFilter(checkResults.tenantId, tenantId), eq(checkResults.endpointId, endpointId));
  tx.delete(checkResults).where(ids.length ? and(scope, notInArray(checkResults.checkId, ids)) : scope).run();
  for (const c of checks) {
    const failing = FAILING.has(c.status);
    tx.insert(checkResults)
      .values({ tenantId, endpointId, endpointSeq, checkId: c.check, status: c.status, action: c.effectiveAction, result: c.result, evaluatedAt: at, failingSince: failing ? at : null })
      .onConflictDoUpdate({
        target: [checkResults.endpointId, checkResults.checkId],
        set: {
          status: c.status,
          action: c.effectiveAction,
          result: c.result,
          evaluatedAt: at,
          // First failure is kept while the check keeps failing; a pass resets it.
          failingSince: failing ? sql`coalesce(${checkResults.failingSince}, ${at})` : null,
        },
      })
      .run();
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

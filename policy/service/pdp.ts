/**
 * The policy decision point as a service: it ties the pure engine to the store, the caches and the
 * verdict bus. Everything that can change a verdict goes through here, so every change is stored
 * with its trace and published exactly once.
 */
import type { Logger } from 'pino';
import { KennekiError } from '../errors.js';
import { evaluate, type EvaluationInput } from '../decide/evaluate.js';
import type { Decision } from '../decide/decision.js';
import type { Policy, Verdict } from '../decide/policy.js';
import { FACT_KEYS, type FactKey, type FactSource, type PostureFacts, type PostureReport } from '../posture/facts.js';
import type { AssessmentOutcome, EvaluationState, Store, VerdictCause } from '../store/repository.js';
import { BUILTIN_CHECKS } from '../verifiers/registry.js';
import type { Clock } from './clock.js';
import type { DecisionInputs, TenantInputs } from './decision-inputs.js';
import type { VerdictBus } from './verdict-bus.js';

export interface PdpDefaults {
  unknownEndpointVerdict: Exclude<Verdict, 'allow'>;
  staleAfterHours: number;
}

export interface PdpObserver {
  evaluated(durationSeconds: number, verdict: Verdict): void;
  changed(from: Verdict, to: Verdict, cause: VerdictCause): void;
}

/** Facts kept whatever the policies say: they identify the device and pick its platform. */
const ALWAYS_KEPT: readonly FactKey[] = ['os', 'agent', 'deviceId'];
const BATCH = 100;

export interface WhatIfResult {
  evaluated: number;
  changed: number;
  moves: { from: Verdict; to: Verdict; count: number }[];
  endpoints: { id: string; hostname?: string; owner?: string; from: Verdict; to: Verdict; policyFrom?: string; policyTo?: string }[];
}

export class PolicyDecisionPoint {
  constructor(
    private readonly deps: { store: Store; inputs: DecisionInputs; bus: VerdictBus; clock: Clock; defaults: PdpDefaults; log: Logger; observer?: PdpObserver },
  ) {}

  /** A new report: keep only what policies need, decide, store atomically, publish. */
  async ingest(tenantId: string, endpointId: string, report: PostureReport, source: FactSource): Promise<{ decision: Decision; outcome: AssessmentOutcome }> {
    const inputs = await this.deps.inputs.get(tenantId);
    const [state] = await this.deps.store.assessments.loadState(tenantId, [endpointId]);
    if (!state) throw new Error(`endpoint ${endpointId} not found in tenant ${tenantId}`);
    // A report older than the stored one is a replay or a delayed duplicate: it must not roll
    // the endpoint's posture (and possibly its access) back.
    if (state.posture && Date.parse(report.reportedAt) < Date.parse(state.posture.reportedAt)) {
      throw new KennekiError('KENNEKI_ERR_POSTURE_INVALID', `body.reportedAt: older than the stored report (${state.posture.reportedAt})`, { details: { path: 'body.reportedAt' } });
    }
    const facts = keepNeeded(report.facts, neededFacts(inputs.policies));
    const lastKnown = mergeLastKnown(state.posture?.lastKnown ?? {}, facts);
    const now = this.deps.clock.now();
    const pendingUpdates = facts.pendingUpdates?.status === 'ok' ? facts.pendingUpdates.value.updates.filter((u) => u.security) : [];
    // Updates seen for the first time now count from now.
    const firstReported = new Map(state.firstReported);
    for (const u of pendingUpdates) if (!firstReported.has(u.id)) firstReported.set(u.id, now);
    // Stored in UTC: the staleness sweep compares report times as strings, and a device may
    // report in its local offset ("…T18:00:00+09:00").
    const reportedAt = new Date(report.reportedAt).toISOString();
    const posture = { reportedAt, facts, lastKnown };
    const decision = this.decide({ ...state, firstReported, posture: { ...posture, receivedAt: now.toISOString() } }, inputs, inputs.policies, now);
    const outcome = await this.deps.store.assessments.record({
      tenantId,
      endpointId,
      at: now.toISOString(),
      cause: 'posture',
      report: { reportedAt, source, facts, lastKnown, pendingUpdates: pendingUpdates.map((u) => ({ id: u.id, ...(u.version ? { version: u.version } : {}) })) },
      findings: findingsOf(decision),
      decision,
    });
    this.afterRecord(state, decision, outcome, 'posture', now);
    return { decision, outcome };
  }

  /**
   * Server-side re-evaluation of stored posture, no agent round trip. Returns how many verdicts
   * changed. `cause` may depend on the new decision (time-driven reviews: stale or grace expiry).
   */
  async reevaluate(tenantId: string, endpointIds: readonly string[], cause: VerdictCause | ((d: Decision) => VerdictCause)): Promise<number> {
    const inputs = await this.deps.inputs.get(tenantId);
    let changed = 0;
    for (let i = 0; i < endpointIds.length; i += BATCH) {
      const states = await this.deps.store.assessments.loadState(tenantId, endpointIds.slice(i, i + BATCH));
      for (const state of states) {
        const now = this.deps.clock.now();
        const decision = this.decide(state, inputs, inputs.policies, now);
        const why = typeof cause === 'function' ? cause(decision) : cause;
        const outcome = await this.deps.store.assessments.record({
          tenantId,
          endpointId: state.endpoint.id,
          at: now.toISOString(),
          cause: why,
          findings: findingsOf(decision),
          decision,
          basedOnReportAt: state.endpoint.lastReportAt ?? null,
        });
        if (this.afterRecord(state, decision, outcome, why, now)) changed++;
      }
      // Let admission lookups and ingestion in between batches: a big tenant must not stall them.
      await new Promise((r) => setImmediate(r));
    }
    return changed;
  }

  async reevaluateTenant(tenantId: string, cause: VerdictCause): Promise<{ evaluated: number; changed: number }> {
    let evaluated = 0;
    let changed = 0;
    for (let cursor: string | undefined; ; ) {
      const batch = await this.deps.store.endpoints.ids(tenantId, cursor, BATCH);
      if (batch.ids.length === 0) break;
      evaluated += batch.ids.length;
      changed += await this.reevaluate(tenantId, batch.ids, cause);
      cursor = batch.cursor;
    }
    this.deps.log.info({ evt: 'TENANT_REEVALUATED', tenantId, cause, evaluated, changed }, 'stored posture re-evaluated');
    return { evaluated, changed };
  }

  /** Dry run: how many endpoints, and which, a different policy set would move. Stores nothing. */
  async whatIf(tenantId: string, candidate: Policy[], sampleLimit = 100): Promise<WhatIfResult> {
    const inputs = await this.deps.inputs.get(tenantId);
    const moves = new Map<string, number>();
    const result: WhatIfResult = { evaluated: 0, changed: 0, moves: [], endpoints: [] };
    const now = this.deps.clock.now();
    for (let cursor: string | undefined; ; ) {
      const batch = await this.deps.store.endpoints.ids(tenantId, cursor, BATCH);
      if (batch.ids.length === 0) break;
      cursor = batch.cursor;
      for (const state of await this.deps.store.assessments.loadState(tenantId, batch.ids)) {
        result.evaluated++;
        const from = this.decide(state, inputs, inputs.policies, now);
        const to = this.decide(state, inputs, candidate, now);
        if (from.verdict === to.verdict) continue;
        result.changed++;
        const key = `${from.verdict}>${to.verdict}`;
        moves.set(key, (moves.get(key) ?? 0) + 1);
        if (result.endpoints.length < sampleLimit) {
          const e = state.endpoint;
          result.endpoints.push({
            id: e.id,
            from: from.verdict,
            to: to.verdict,
            ...(e.hostname ? { hostname: e.hostname } : {}),
            ...(e.owner ? { owner: e.owner } : {}),
            ...(from.trace.policy ? { policyFrom: from.trace.policy.name } : {}),
            ...(to.trace.policy ? { policyTo: to.trace.policy.name } : {}),
          });
        }
      }
    }
    result.moves = [...moves].map(([k, count]) => {
      const [from, to] = k.split('>') as [Verdict, Verdict];
      return { from, to, count };
    });
    return result;
  }

  private decide(state: EvaluationState, inputs: TenantInputs, policies: readonly Policy[], now: Date): Decision {
    const start = process.hrtime.bigint();
    const input: EvaluationInput = {
      subject: {
        endpointId: state.endpoint.id,
        ...(state.endpoint.owner ? { user: state.endpoint.owner } : {}),
        groups: state.groups,
        tags: state.endpoint.tags,
        ...(state.identityHold ? { identityHold: state.identityHold } : {}),
      },
      ...(state.posture ? { posture: state.posture } : {}),
      policies,
      roles: inputs.roles,
      exceptions: inputs.exceptions,
      definitions: inputs.definitions,
      firstReported: state.firstReported,
      failingSince: state.failingSince,
      now,
      defaults: this.deps.defaults,
      previousVerdict: state.endpoint.verdict,
    };
    const decision = evaluate(input);
    this.deps.observer?.evaluated(Number(process.hrtime.bigint() - start) / 1e9, decision.verdict);
    return decision;
  }

  /** Logs and publishes a change; true when the verdict changed (a VLAN-only move is published, not counted). */
  private afterRecord(state: EvaluationState, decision: Decision, outcome: AssessmentOutcome, cause: VerdictCause, now: Date): boolean {
    if (!outcome.changed && outcome.placementChanged !== true) return false;
    const e = state.endpoint;
    if (outcome.changed) {
      this.deps.observer?.changed(outcome.previous, decision.verdict, cause);
      this.deps.log.info(
        { evt: 'VERDICT_CHANGED', tenantId: e.tenantId, endpointId: e.id, from: outcome.previous, to: decision.verdict, cause, policy: decision.trace.policy?.name },
        'verdict changed',
      );
    } else {
      this.deps.log.info({ evt: 'PLACEMENT_CHANGED', tenantId: e.tenantId, endpointId: e.id, verdict: decision.verdict, from: outcome.previousVlan, to: decision.vlan, cause }, 'VLAN changed');
    }
    this.deps.bus.publish({
      tenantId: e.tenantId,
      endpointId: e.id,
      ...(e.mac ? { mac: e.mac } : {}),
      previous: outcome.previous,
      verdict: decision.verdict,
      ...(outcome.placementChanged === true ? { placementChanged: true } : {}),
      cause,
      decidedAt: now.toISOString(),
      decision,
    });
    return outcome.changed;
  }
}

/** Facts that some check of some enabled policy reads (seed 000: keep only what policies need). */
export function neededFacts(policies: readonly Policy[]): Set<FactKey> {
  const keys = new Set<FactKey>(ALWAYS_KEPT);
  for (const p of policies) if (p.enabled) for (const c of p.checks) for (const k of BUILTIN_CHECKS[c.check].reads) keys.add(k);
  return keys;
}

function keepNeeded(facts: PostureFacts, needed: Set<FactKey>): PostureFacts {
  const out: PostureFacts = {};
  for (const k of FACT_KEYS) if (needed.has(k) && facts[k] !== undefined) (out as Record<string, unknown>)[k] = facts[k];
  return out;
}

function mergeLastKnown(previous: PostureFacts, fresh: PostureFacts): PostureFacts {
  const out: PostureFacts = { ...previous };
  for (const k of FACT_KEYS) if (fresh[k]?.status === 'ok') (out as Record<string, unknown>)[k] = fresh[k];
  return out;
}

function findingsOf(decision: Decision) {
  return decision.trace.checks.flatMap((c) => c.result.findings ?? []);
}

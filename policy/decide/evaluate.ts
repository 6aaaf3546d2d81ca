/**
 * The policy decision point: facts + identity + policy + exceptions + grace → verdict and trace.
 * The subject's network role (decide/role.ts) is chosen first: it may name the policy, and it
 * assigns the VLAN for the verdict. Pure and synchronous, so the same function serves live
 * ingestion, server-side re-evaluation and what-if runs, and so it can be measured alone.
 */
import type { DefinitionsView } from '../definitions/view.js';
import type { FactKey, PostureFacts } from '../posture/facts.js';
import { runCheck, BUILTIN_CHECKS } from '../verifiers/registry.js';
import type { CheckContext, CheckId, CheckResult, LocalizedText } from '../verifiers/contract.js';
import type { CheckDecision, Decision } from './decision.js';
import { exceptionApplies, waiverFor, type PolicyException, type Subject } from './exception.js';
import { stricter, type FailureAction, type Policy, type PolicyCheck, type Verdict } from './policy.js';
import { quarantineAllowFor } from './quarantine-allow.js';
import { roleFor, vlanFor, type NetworkRole, type RoleMatch } from './role.js';
import { selectPolicy, type Selection } from './select.js';
import { DEFAULTED_TEXT, IDENTITY_HOLD_TEXT } from './texts.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface StoredPosture {
  reportedAt: string;
  facts: PostureFacts;
  /** The last good value of every fact, for `onUnknown: use-last-known`. */
  lastKnown: PostureFacts;
}

export interface EvaluationInput {
  subject: Subject;
  posture?: StoredPosture;
  policies: readonly Policy[];
  exceptions: readonly PolicyException[];
  definitions: DefinitionsView;
  /** When the endpoint first reported each pending update. */
  firstReported: ReadonlyMap<string, Date>;
  /** First failed evaluation per check, from earlier evaluations. */
  failingSince: ReadonlyMap<string, string>;
  now: Date;
  defaults: { unknownEndpointVerdict: Exclude<Verdict, 'allow'>; staleAfterHours: number };
  /** The endpoint's current verdict: stale posture never loosens it (deny stays deny). */
  previousVerdict?: Verdict;
  /** The tenant's network roles (group → policy and VLAN); none: selection by policy match only. */
  roles?: readonly NetworkRole[];
}

export function evaluate(input: EvaluationInput): Decision {
  const role = roleFor(input.roles ?? [], input.subject.groups);
  const decision = evaluatePosture(input, role);
  const hold = input.subject.identityHold;
  if (hold === undefined) return withRole(decision, role, false);
  const held = withIdentityHold(decision, hold);
  // Held in quarantine like any isolated device: with its policy's remediation hosts and page.
  const policy = decision.trace.policy && input.policies.find((p) => p.id === decision.trace.policy!.id);
  if (policy === undefined || held.verdict === 'allow') return withRole(held, role, true);
  return withRole(
    {
      ...held,
      ...(policy.remediationUrl !== undefined ? { remediationUrl: policy.remediationUrl } : {}),
      ...quarantineAllowOf(policy, held.verdict),
    },
    role,
    true,
  );
}

/**
 * Records the role in the trace and places the endpoint in the role's VLAN for the final verdict
 * (after any identity hold, so the VLAN always matches the verdict that is enforced). Under an
 * identity hold no role VLAN is given: the groups that chose the role are the unconfirmed part,
 * so the enforcement point's default quarantine applies instead of a role's.
 */
function withRole(d: Decision, r: RoleMatch | undefined, held: boolean): Decision {
  if (r === undefined) return d;
  const vlan = held ? undefined : vlanFor(r.role, d.verdict);
  const missingPolicy = d.trace.role?.missingPolicy;
  return {
    ...d,
    ...(vlan !== undefined ? { vlan } : {}),
    trace: {
      ...d.trace,
      role: { name: r.role.name, matchedBy: `group ${r.group}`, ...(vlan !== undefined ? { vlan } : {}), ...(missingPolicy !== undefined ? { missingPolicy } : {}) },
    },
  };
}

/**
 * An unconfirmed identity caps the verdict: whatever the posture, the endpoint gets no more than
 * the directory's fail mode allows until the directory confirms who it is. Its groups are unknown,
 * so neither policy selection nor group exceptions could be trusted for it anyway.
 */
function withIdentityHold(d: Decision, hold: NonNullable<EvaluationInput['subject']['identityHold']>): Decision {
  const verdict = stricter(d.verdict, hold.verdict);
  const text = IDENTITY_HOLD_TEXT;
  return {
    ...d,
    verdict,
    monitoredVerdict: stricter(d.monitoredVerdict, hold.verdict),
    reasons: [...d.reasons, text.reason],
    remediation: d.remediation.some((r) => r.en === text.remediation.en) ? d.remediation : [...d.remediation, text.remediation],
    trace: { ...d.trace, identityHold: { kind: hold.kind, name: hold.name, verdict: hold.verdict } },
  };
}

function evaluatePosture(input: EvaluationInput, role: RoleMatch | undefined): Decision {
  const { now, posture, defaults } = input;
  const evaluatedAt = now.toISOString();
  const active = input.exceptions.filter((e) => exceptionApplies(e, input.subject, now));
  const exceptionsTrace = active.map((e) => ({
    id: e.id,
    scope: e.scope.kind === 'user' ? `user ${e.scope.user}` : e.scope.kind === 'group' ? `group ${e.scope.group}` : `device ${e.scope.endpointId}`,
    checks: e.checks,
    expiresAt: e.expiresAt,
  }));

  const defaulted = (key: keyof typeof DEFAULTED_TEXT, extra?: Partial<Decision['trace']>, floor: Verdict = 'allow'): Decision => ({
    verdict: stricter(defaults.unknownEndpointVerdict, floor),
    monitoredVerdict: stricter(defaults.unknownEndpointVerdict, floor),
    reasons: [DEFAULTED_TEXT[key].reason],
    remediation: DEFAULTED_TEXT[key].remediation,
    trace: { evaluatedAt, defaulted: key, checks: [], exceptions: exceptionsTrace, ...extra },
  });

  if (!posture) return defaulted('no-posture');
  const reportedAt = new Date(posture.reportedAt);
  const staleAt = reportedAt.getTime() + defaults.staleAfterHours * HOUR_MS;
  if (!(now.getTime() <= staleAt)) {
    // Going stale is losing evidence: it may tighten access, never loosen it.
    return defaulted('stale-posture', { postureReportedAt: posture.reportedAt }, input.previousVerdict === 'deny' ? 'deny' : 'allow');
  }
  let selection: Selection | undefined;
  if (role?.role.policy !== undefined) {
    // The role's policy wins over policies that would match on their own. A role whose policy is
    // gone or disabled must not fall through to some other (possibly laxer) policy: fail closed.
    const name = role.role.policy;
    const named = input.policies.find((p) => p.enabled && p.name === name);
    if (named === undefined) {
      return defaulted('no-policy', { postureReportedAt: posture.reportedAt, role: { name: role.role.name, matchedBy: `group ${role.group}`, missingPolicy: name } });
    }
    selection = { policy: named, matchedBy: `role ${role.role.name} (group ${role.group})` };
  } else {
    selection = selectPolicy(input.policies, input.subject);
  }
  if (!selection) return defaulted('no-policy', { postureReportedAt: posture.reportedAt });
  const { policy } = selection;

  const ctx: CheckContext = { facts: posture.facts, reportedAt, now, definitions: input.definitions, firstReported: input.firstReported };
  const decisions = policy.checks.map((pc) => decideCheck(pc, ctx, posture, input, active, policy));

  let verdict: Verdict = 'allow';
  let monitoredVerdict: Verdict = 'allow';
  const reasons: LocalizedText[] = [];
  const remediation: LocalizedText[] = [];
  for (const d of decisions) {
    verdict = stricter(verdict, asVerdict(d.effectiveAction));
    if (d.effectiveAction !== 'waived') monitoredVerdict = stricter(monitoredVerdict, asVerdict(d.wouldBe ?? d.effectiveAction));
    if (d.effectiveAction !== 'pass' && d.effectiveAction !== 'waived') {
      reasons.push(d.result.reason);
      // A step several checks share ("contact your IT administrator") is listed once.
      for (const step of d.result.remediation) if (!remediation.some((r) => r.en === step.en)) remediation.push(step);
    }
  }
  const reviewAt = earliestReview(staleAt, decisions, policy, active, reportedAt);
  return {
    verdict,
    monitoredVerdict,
    reasons,
    remediation,
    ...(policy.remediationUrl !== undefined && verdict !== 'allow' ? { remediationUrl: policy.remediationUrl } : {}),
    ...quarantineAllowOf(policy, verdict),
    reviewAt: new Date(reviewAt).toISOString(),
    trace: {
      evaluatedAt,
      policy: { id: policy.id, name: policy.name, revision: policy.revision, mode: policy.mode, matchedBy: selection.matchedBy },
      checks: decisions,
      exceptions: exceptionsTrace,
      postureReportedAt: posture.reportedAt,
    },
  };
}

function decideCheck(
  pc: PolicyCheck,
  ctx: CheckContext,
  posture: StoredPosture,
  input: EvaluationInput,
  active: readonly PolicyException[],
  policy: Policy,
): CheckDecision {
  const params = paramsFor(pc);
  let result = runCheck(pc.check, ctx, params);
  let usedLastKnown: CheckDecision['usedLastKnown'];
  if ((result.status === 'unknown' || result.status === 'error') && pc.onUnknown === 'use-last-known') {
    const retried = retryOnLastKnown(pc, ctx, posture, params);
    if (retried) ({ result, usedLastKnown } = retried);
  }

  const configuredAction = configuredActionFor(pc, result);
  let effectiveAction: CheckDecision['effectiveAction'] = configuredAction;
  let grace: CheckDecision['grace'];
  if (result.status === 'non-compliant-major' && pc.graceDays && pc.graceDays > 0 && configuredAction !== 'warn') {
    const since = result.failingSince ?? input.failingSince.get(pc.check) ?? input.now.toISOString();
    const until = new Date(Date.parse(since) + pc.graceDays * DAY_MS);
    const inGrace = input.now < until;
    grace = { days: pc.graceDays, since, until: until.toISOString(), active: inGrace };
    if (inGrace) effectiveAction = 'warn';
  }
  const monitorOnly = pc.monitorOnly === true || policy.mode === 'monitor';
  const enforcing = effectiveAction === 'isolate' || effectiveAction === 'deny';
  const configuredAfterGrace = effectiveAction;
  if (monitorOnly && enforcing) effectiveAction = 'warn';
  const waiver = configuredAction !== 'pass' ? waiverFor(pc.check, active) : undefined;
  if (waiver) effectiveAction = 'waived';

  return {
    check: pc.check,
    status: result.status,
    configuredAction,
    effectiveAction,
    ...(monitorOnly ? { wouldBe: configuredAfterGrace as FailureAction | 'pass' } : {}),
    ...(grace ? { grace } : {}),
    ...(monitorOnly ? { monitorOnly: true } : {}),
    ...(waiver ? { exceptionId: waiver.id } : {}),
    ...(usedLastKnown ? { usedLastKnown } : {}),
    result,
  };
}

function configuredActionFor(pc: PolicyCheck, result: CheckResult): FailureAction | 'pass' {
  switch (result.status) {
    case 'compliant':
      return 'pass';
    case 'non-compliant-minor':
      return 'warn';
    case 'non-compliant-major':
      return pc.action;
    case 'unknown':
    case 'error':
      // A warn-only check cannot move access either way; otherwise missing evidence never allows.
      if (pc.action === 'warn') return 'warn';
      return pc.onUnknown === 'deny' ? 'deny' : 'isolate';
  }
}

function paramsFor(pc: PolicyCheck): never {
  const params: Record<string, unknown> = { ...(pc.params ?? {}) };
  // One grace setting per check: the pending-updates check grades each update against it itself.
  if (pc.check === 'pending-updates' && pc.graceDays !== undefined) params['graceDays'] = pc.graceDays;
  return params as never;
}

function retryOnLastKnown(
  pc: PolicyCheck,
  ctx: CheckContext,
  posture: StoredPosture,
  params: never,
): { result: CheckResult; usedLastKnown: { collectedAt: string } } | undefined {
  const maxAgeMs = (pc.lastKnownMaxAgeHours ?? 72) * HOUR_MS;
  const reads: readonly FactKey[] = BUILTIN_CHECKS[pc.check as CheckId].reads;
  const facts: PostureFacts = { ...ctx.facts };
  let oldest: string | undefined;
  for (const key of reads) {
    const fresh = ctx.facts[key];
    if (fresh && fresh.status === 'ok') continue;
    const known = posture.lastKnown[key];
    if (!known || known.status !== 'ok' || ctx.now.getTime() - Date.parse(known.collectedAt) > maxAgeMs) return undefined;
    (facts as Record<string, unknown>)[key] = { ...known, source: 'last-known' };
    if (oldest === undefined || known.collectedAt < oldest) oldest = known.collectedAt;
  }
  if (oldest === undefined) return undefined;
  return { result: runCheck(pc.check, { ...ctx, facts }, params), usedLastKnown: { collectedAt: oldest } };
}

/** When time alone can change this decision: staleness, grace ends, exception expiries. */
function earliestReview(staleAt: number, decisions: CheckDecision[], policy: Policy, active: readonly PolicyException[], reportedAt: Date): number {
  let at = staleAt + 1; // stale strictly after staleAt
  for (const d of decisions) {
    if (d.grace?.active) at = Math.min(at, Date.parse(d.grace.until));
    const pc = policy.checks.find((c) => c.check === d.check);
    // Pending updates grade themselves against grace: a minor result turns major when its oldest
    // update's grace runs out.
    if (d.check === 'pending-updates' && d.status === 'non-compliant-minor' && d.result.failingSince && pc?.graceDays) {
      at = Math.min(at, Date.parse(d.result.failingSince) + pc.graceDays * DAY_MS + 1);
    }
    if (d.check === 'posture-staleness' && d.status === 'compliant') {
      const maxAgeHours = (pc?.params as { maxAgeHours?: number } | undefined)?.maxAgeHours ?? 24;
      at = Math.min(at, reportedAt.getTime() + maxAgeHours * HOUR_MS + 1);
    }
  }
  for (const e of active) at = Math.min(at, Date.parse(e.expiresAt));
  return at;
}

/** Like the remediation URL, only a device that is not allowed needs to know where it may still go. */
function quarantineAllowOf(policy: Policy, verdict: Verdict): Pick<Decision, 'quarantineAllow'> {
  if (verdict === 'allow') return {};
  const allow = quarantineAllowFor(policy);
  return allow.length > 0 ? { quarantineAllow: allow } : {};
}

function asVerdict(action: CheckDecision['effectiveAction']): Verdict {
  return action === 'isolate' ? 'isolate' : action === 'deny' ? 'deny' : 'allow';
}

/**
 * The store contract. Callers depend on this interface only; `sqlite/` implements it today and a
 * PostgreSQL implementation can be added beside it without touching them.
 *
 * Rules every implementation keeps:
 * - Every method takes the tenant and never returns another tenant's rows.
 * - Every admin mutation takes its AuditEntry and writes it in the same transaction as the change,
 *   so no change can land unaudited and no audit row can describe a change that did not land.
 * - `recordAssessment` is one transaction: a report is acknowledged only after it is durable.
 *   It resolves only after COMMIT, wherever the write runs (the SQLite store writes on a worker
 *   thread with its own connection), so a read that follows it sees the write, and a rejected
 *   call stored nothing that may be taken as a verdict.
 * - Methods are async even where SQLite is synchronous, because PostgreSQL is not.
 */
import type { Decision } from '../decide/decision.js';
import type { PolicyException } from '../decide/exception.js';
import type { Policy, Verdict } from '../decide/policy.js';
import type { NetworkRole } from '../decide/role.js';
import type { Advisory, ForbiddenRule } from '../definitions/view.js';
import type { FactSource, PostureFacts } from '../posture/facts.js';
import type { CheckId, Finding } from '../verifiers/contract.js';
import type { PlatformRule } from '../definitions/platforms.js';

export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface AdminAccount {
  id: string;
  tenantId: string;
  username: string;
  role: Role;
  ldapUser?: string;
  disabled: boolean;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  tenantId: string;
  accountId: string;
  name: string;
  role: Role;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export interface Endpoint {
  id: string;
  tenantId: string;
  mac?: string;
  deviceId?: string;
  hostname?: string;
  owner?: string;
  tags: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  lastReportAt?: string;
  verdict: Verdict;
  verdictAt: string;
  policyId?: string;
}

/** The slice of an endpoint's current decision an enforcement point acts on. */
export interface StoredAdmission {
  endpointId: string;
  verdict: Verdict;
  /** The decision's VLAN (its role's, for this verdict). */
  vlan?: string;
  /** The network role that placed it. */
  role?: string;
}

export interface NetworkUser {
  tenantId: string;
  name: string;
  /** An NT hash is kept, so PEAP-MSCHAPv2 works for this user. */
  mschapv2: boolean;
  /** A cleartext lab password is kept, so EAP-MD5 works for this user. */
  labMd5: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NetworkUserSecrets {
  /** scrypt (policy/auth/password.ts). */
  passwordHash: string;
  /** Hex MD4 of the UTF-16LE password. */
  ntHash?: string;
  labPassword?: string;
}

/** A NAS's session for a device: where it is attached, what address it has, where it was placed. */
export interface NetworkSession {
  tenantId: string;
  /** `<nas>|<Acct-Session-Id>`, or `<nas>|mac:<mac>` when the NAS sends no session id. */
  key: string;
  nas: string;
  nasAddress: string;
  acctSessionId?: string;
  mac?: string;
  framedIp?: string;
  userName?: string;
  nasPort?: string;
  vlan?: string;
  placement?: string;
  startedAt: string;
  updatedAt: string;
  stoppedAt?: string;
  stopCause?: string;
}

/** Which pool of a DHCP scope an address comes from: the verdict's placement. */
export type DhcpPool = 'production' | 'quarantine' | 'registration';

/**
 * A DHCP lease as stored (gateway/dhcp): an address bound to a MAC until `expiresAt`, or a
 * declined address (`state: 'declined'`, `mac: ''`) held back until then.
 */
export interface DhcpLease {
  tenantId: string;
  scope: string;
  ip: string;
  mac: string;
  clientId?: string;
  pool: DhcpPool;
  state: 'bound' | 'declined';
  hostname?: string;
  boundAt: string;
  expiresAt: string;
  updatedAt: string;
}

/**
 * An enrolled agent's posture connection came from this address (gateway allow-lists put the
 * address under the endpoint's verdict). Kept until `expiresAt`; the next report renews it.
 */
export interface AgentAddress {
  tenantId: string;
  ip: string;
  endpointId: string;
  seenAt: string;
  expiresAt: string;
}

/** What a gateway needs of every endpoint: its MAC (to match leases and sessions) and its verdict. */
export interface EndpointVerdictRow {
  tenantId: string;
  id: string;
  mac?: string;
  verdict: Verdict;
}

export interface DhcpLeaseQuery {
  mac?: string;
  ip?: string;
  scope?: string;
  limit: number;
  offset: number;
}

export interface NetworkSessionQuery {
  mac?: string;
  ip?: string;
  active?: boolean;
  limit: number;
  offset: number;
}

export type EndpointSortField = 'last_seen' | 'first_seen' | 'hostname' | 'verdict' | 'mac' | 'owner';

export interface EndpointQuery {
  verdict?: Verdict;
  /** Endpoints where this check is currently non-compliant (minor or major). */
  failingCheck?: CheckId;
  /** Endpoints with this update pending (package name or KB id). */
  missingPatch?: string;
  /** Endpoints with a vulnerable or forbidden finding for this package. */
  packageName?: string;
  /** Endpoints whose owner or device is in this group. */
  group?: string;
  lastSeenBefore?: string;
  lastSeenAfter?: string;
  /** Prefix match on hostname, MAC or owner. */
  search?: string;
  sort: { field: EndpointSortField; dir: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface AuditEntry {
  actor: string;
  actorKind: 'account' | 'token' | 'device' | 'system' | 'cli';
  action: string;
  targetType: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
  requestId?: string;
  sourceIp?: string;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  tenantId: string;
  at: string;
}

export interface CurrentPosture {
  reportedAt: string;
  receivedAt: string;
  facts: PostureFacts;
  lastKnown: PostureFacts;
}

export type IdentityKind = 'user' | 'device';

export interface IdentityInput {
  kind: IdentityKind;
  name: string;
  groups: string[];
  /** `local` (set through the API), or `directory:<name>`. */
  source: string;
  status?: 'verified' | 'unverified';
  /** With `unverified`: the verdict the endpoint is held at until the directory confirms it. */
  hold?: 'isolate' | 'deny';
}

export interface IdentityRecord {
  kind: IdentityKind;
  name: string;
  groups: string[];
  source: string;
  refreshedAt: string;
  status: 'verified' | 'unverified';
  hold?: 'isolate' | 'deny';
}

/** An endpoint whose user or device a directory could not confirm (its fail mode admitted it). */
export interface IdentityHold {
  kind: IdentityKind;
  name: string;
  verdict: 'isolate' | 'deny';
}

/** Everything the engine needs about one endpoint, loaded in one go. */
export interface EvaluationState {
  endpoint: Endpoint;
  posture?: CurrentPosture;
  groups: string[];
  /** Present when the owner's or the device's identity is held unverified. */
  identityHold?: IdentityHold;
  firstReported: Map<string, Date>;
  failingSince: Map<string, string>;
}

export interface VerdictRecord {
  id: number;
  endpointId: string;
  verdict: Verdict;
  previous?: Verdict;
  cause: VerdictCause;
  decision: Decision;
  decidedAt: string;
}

export type VerdictCause =
  | 'posture'
  | 'policy-change'
  | 'exception-change'
  | 'exception-expiry'
  | 'definitions-change'
  | 'stale'
  | 'grace-expiry'
  | 'identity-change'
  | 'role-change'
  | 'registration';

/** One evaluation's outcome, written atomically. */
export interface Assessment {
  tenantId: string;
  endpointId: string;
  at: string;
  cause: VerdictCause;
  /** Present when a new report arrived; absent for server-side re-evaluation. */
  report?: { reportedAt: string; source: FactSource; facts: PostureFacts; lastKnown: PostureFacts; pendingUpdates: { id: string; version?: string }[] };
  findings: Finding[];
  decision: Decision;
  /**
   * For server-side re-evaluation: the report time the decision was based on (null: no posture).
   * If a newer report landed meanwhile, the write is skipped, so an old decision never overwrites
   * a newer one.
   */
  basedOnReportAt?: string | null;
}

export interface AssessmentOutcome {
  /** True when basedOnReportAt no longer matched and nothing was written. */
  skipped?: boolean;
  previous: Verdict;
  /** The verdict changed. */
  changed: boolean;
  /** The decision's VLAN changed (with or without the verdict): enforcement must re-place the endpoint. */
  placementChanged?: boolean;
  previousVlan?: string;
  /** Set when the decision was stored as a new verdict-history row. */
  verdictId?: number;
}

export interface DefinitionsFeed {
  name: string;
  format: string;
  publishedAt?: string;
  importedAt: string;
  advisories: number;
  forbidden: number;
}

export interface DefinitionsContent {
  advisories: Advisory[];
  forbidden: ForbiddenRule[];
  platforms: PlatformRule[];
}

export interface NewEndpoint {
  mac?: string;
  deviceId?: string;
  hostname?: string;
  owner?: string;
  tags?: string[];
  credentialHash?: string;
}

/** Where a one-time enrollment token stands; derived from its times when read. */
export type EnrollmentTokenStatus = 'unused' | 'used' | 'expired' | 'revoked';

/** A one-time enrollment token as the admin sees it: never its secret, never its hash. */
export interface EnrollmentToken {
  id: string;
  tenantId: string;
  label?: string;
  /** Set for a re-enrollment token: it can only enroll as this endpoint. */
  endpointId?: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
  usedByEndpointId?: string;
  revokedAt?: string;
  status: EnrollmentTokenStatus;
}

/** Why a token cannot be spent. */
export type EnrollmentTokenRefusal = 'unknown' | 'used' | 'expired' | 'revoked';

export type ConsumeOutcome = { ok: true; token: EnrollmentToken } | { ok: false; reason: EnrollmentTokenRefusal; token?: EnrollmentToken };

export interface Store {
  tenants: {
    ensure(tenant: { id: string; name: string }): Promise<Tenant>;
    get(id: string): Promise<Tenant | undefined>;
    list(): Promise<Tenant[]>;
  };
  accounts: {
    create(tenantId: string, a: { username: string; role: Role; passwordHash?: string; ldapUser?: string }, audit: AuditEntry): Promise<AdminAccount>;
    findForLogin(tenantId: string, username: string): Promise<(AdminAccount & { passwordHash?: string }) | undefined>;
    get(tenantId: string, id: string): Promise<AdminAccount | undefined>;
    count(tenantId: string): Promise<number>;
    /** Changes an account's role (a directory account follows its groups); audited when it changes. */
    setRole(tenantId: string, id: string, role: Role, audit: AuditEntry): Promise<AdminAccount | undefined>;
  };
  tokens: {
    create(tenantId: string, t: { id: string; accountId: string; name: string; role: Role; secretHash: string; expiresAt?: string }, audit: AuditEntry): Promise<ApiToken>;
    /** Looks up across tenants: the token itself decides the tenant. */
    findBySecretHash(secretHash: string): Promise<(ApiToken & { account: AdminAccount }) | undefined>;
    revoke(tenantId: string, id: string, audit: AuditEntry): Promise<boolean>;
  };
  endpoints: {
    create(tenantId: string, e: NewEndpoint, at: string, audit: AuditEntry | undefined): Promise<Endpoint>;
    get(tenantId: string, id: string): Promise<Endpoint | undefined>;
    /** Looks up across tenants: the device credential decides the tenant. */
    findByCredential(credentialHash: string): Promise<Endpoint | undefined>;
    findByMac(tenantId: string, mac: string): Promise<Endpoint | undefined>;
    /** What enforcement needs of the endpoint with this MAC: its verdict and its decision's placement. */
    admissionByMac(tenantId: string, mac: string): Promise<StoredAdmission | undefined>;
    /** The endpoint with this device id in this tenant (NEA clients identify themselves by it). */
    findByDeviceId(tenantId: string, deviceId: string): Promise<Endpoint | undefined>;
    update(tenantId: string, id: string, patch: Partial<Pick<Endpoint, 'hostname' | 'owner' | 'tags' | 'mac' | 'deviceId'>>, audit: AuditEntry): Promise<Endpoint | undefined>;
    setCredential(tenantId: string, id: string, credentialHash: string, audit: AuditEntry): Promise<boolean>;
    /** Deletes the endpoint and everything stored about it (posture, history, findings). */
    delete(tenantId: string, id: string, audit: AuditEntry): Promise<boolean>;
    list(tenantId: string, q: EndpointQuery): Promise<Page<Endpoint>>;
    /** A batch of endpoint ids in stable order, for re-evaluation; pass the cursor back for the next. */
    ids(tenantId: string, cursor: string | undefined, limit: number): Promise<{ ids: string[]; cursor?: string }>;
    /** The endpoints a user owns or a host name names: whose decisions an identity change moves. */
    idsOfIdentity(tenantId: string, kind: IdentityKind, name: string): Promise<string[]>;
    /** Endpoints whose decision is due for a time-driven review (reviewAt ≤ now). */
    dueForReview(tenantId: string, now: string, limit: number): Promise<string[]>;
    countByVerdict(): Promise<{ tenantId: string; verdict: Verdict; count: number }[]>;
    /** Every endpoint of every tenant, with only its id, MAC and verdict (gateway allow-lists). */
    verdictIndex(): Promise<EndpointVerdictRow[]>;
  };
  enrollmentTokens: {
    create(tenantId: string, t: { secretHash: string; label?: string; endpointId?: string; expiresAt: string }, audit: AuditEntry): Promise<EnrollmentToken>;
    /** Newest first, with status as of `now`. */
    list(tenantId: string, now: string): Promise<EnrollmentToken[]>;
    get(tenantId: string, id: string, now: string): Promise<EnrollmentToken | undefined>;
    /** Looks a token up by its secret's hash without spending it: what consume would answer now. */
    check(tenantId: string, secretHash: string, now: string): Promise<ConsumeOutcome>;
    /**
     * Spends the token: checks and marks it used in one statement of one transaction (with its
     * `enrollment-token.use` audit row), so of any number of concurrent calls exactly one wins.
     */
    consume(tenantId: string, secretHash: string, now: string, audit: AuditEntry): Promise<ConsumeOutcome>;
    /** Records which endpoint a spent token enrolled (history; no audit of its own). */
    recordUse(tenantId: string, id: string, endpointId: string): Promise<void>;
    /** Undefined when unknown; `changed` false when already revoked or already used. */
    revoke(tenantId: string, id: string, audit: AuditEntry): Promise<{ token: EnrollmentToken; changed: boolean } | undefined>;
  };
  identities: {
    /** Creates or replaces; `status` defaults to verified (and clears any hold). */
    upsert(tenantId: string, i: IdentityInput, audit: AuditEntry | undefined): Promise<void>;
    groupsOf(tenantId: string, kind: 'user' | 'device', name: string): Promise<string[]>;
    get(tenantId: string, kind: 'user' | 'device', name: string): Promise<IdentityRecord | undefined>;
    /** Identities from `source` last refreshed before `refreshedBefore`, or held unverified; oldest first. */
    due(tenantId: string, source: string, refreshedBefore: string, limit: number): Promise<IdentityRecord[]>;
  };
  assessments: {
    loadState(tenantId: string, endpointIds: readonly string[]): Promise<EvaluationState[]>;
    record(a: Assessment): Promise<AssessmentOutcome>;
  };
  verdicts: {
    history(tenantId: string, endpointId: string, limit: number): Promise<VerdictRecord[]>;
    latest(tenantId: string, endpointId: string): Promise<VerdictRecord | undefined>;
    /**
     * The decision of the endpoint's latest evaluation. History keeps only material changes, so
     * the latest history row can be older than this (e.g. a re-judgement on last-known values).
     */
    current(tenantId: string, endpointId: string): Promise<Decision | undefined>;
    checkResults(tenantId: string, endpointId: string): Promise<{ checkId: string; status: string; action: string; evaluatedAt: string; failingSince?: string }[]>;
    findings(tenantId: string, endpointId: string): Promise<(Finding & { firstSeenAt: string })[]>;
  };
  policies: {
    list(tenantId: string): Promise<Policy[]>;
    get(tenantId: string, id: string): Promise<Policy | undefined>;
    create(p: Policy, audit: AuditEntry): Promise<Policy>;
    /** Refuses (KENNEKI_ERR_STORE_CONFLICT) to rename a policy that a role names. */
    update(p: Policy, audit: AuditEntry): Promise<Policy | undefined>;
    /** Refuses (KENNEKI_ERR_STORE_CONFLICT) to delete a policy that a role names. */
    delete(tenantId: string, id: string, audit: AuditEntry): Promise<boolean>;
  };
  /**
   * Network roles. A role's `policy` must name a policy of the same tenant: checked in the write's
   * transaction (KENNEKI_ERR_VALIDATION), as the policy side refuses to delete or rename it, so no
   * interleaving of admin calls can leave a role pointing at nothing.
   */
  roles: {
    /** In (precedence, name) order. */
    list(tenantId: string): Promise<NetworkRole[]>;
    get(tenantId: string, id: string): Promise<NetworkRole | undefined>;
    create(r: NetworkRole, audit: AuditEntry): Promise<NetworkRole>;
    update(r: NetworkRole, audit: AuditEntry): Promise<NetworkRole | undefined>;
    delete(tenantId: string, id: string, audit: AuditEntry): Promise<boolean>;
  };
  exceptions: {
    list(tenantId: string, opts?: { includeExpired?: boolean; now?: string }): Promise<PolicyException[]>;
    get(tenantId: string, id: string): Promise<PolicyException | undefined>;
    create(e: PolicyException, audit: AuditEntry): Promise<PolicyException>;
    update(e: PolicyException, audit: AuditEntry): Promise<PolicyException | undefined>;
    delete(tenantId: string, id: string, audit: AuditEntry): Promise<boolean>;
    /** Expired exceptions whose endpoints have not been re-evaluated yet, across tenants. */
    dueForExpiry(now: string): Promise<PolicyException[]>;
    markExpiryProcessed(tenantId: string, id: string, at: string): Promise<void>;
  };
  definitions: {
    /** Replaces one feed's content atomically. */
    replaceFeed(tenantId: string, feed: DefinitionsFeed, content: DefinitionsContent, audit: AuditEntry): Promise<void>;
    listFeeds(tenantId: string): Promise<DefinitionsFeed[]>;
    load(tenantId: string): Promise<DefinitionsContent>;
  };
  /** Local network users for 802.1X / VPN logins (EAP-TTLS/PAP, PEAP-MSCHAPv2, lab EAP-MD5). */
  networkUsers: {
    /** Creates or replaces (a new password replaces every stored form of the old one). Audited. */
    put(tenantId: string, name: string, secrets: NetworkUserSecrets, audit: AuditEntry): Promise<NetworkUser>;
    list(tenantId: string): Promise<NetworkUser[]>;
    secrets(tenantId: string, name: string): Promise<NetworkUserSecrets | undefined>;
    delete(tenantId: string, name: string, audit: AuditEntry): Promise<boolean>;
  };
  /** DHCP leases (gateway/dhcp). At most one holder per (tenant, scope, address), enforced here. */
  dhcpLeases: {
    /**
     * Writes a lease, unless the address is held unexpired (at `now`) by another MAC or is
     * declined: then nothing changes and the answer is false. The MAC's other leases in the scope
     * go in the same transaction (a client holds one address per scope). Called before the ACK.
     */
    bind(lease: DhcpLease, now: string): Promise<boolean>;
    /** `bind` for several leases in one transaction; one answer per lease, in order. */
    bindMany(leases: readonly DhcpLease[], now: string): Promise<boolean[]>;
    /** Marks an address declined until `until`, whoever held it. */
    decline(tenantId: string, scope: string, ip: string, until: string, now: string): Promise<void>;
    /** Removes the MAC's lease on the address (RELEASE); false when it held none there. */
    release(tenantId: string, scope: string, ip: string, mac: string): Promise<boolean>;
    /** Leases of every tenant expiring after `after`: the DHCP server's index is rebuilt from these at start. */
    live(after: string): Promise<DhcpLease[]>;
    /** Bound leases of every tenant expiring after `after`, with only what says whose an address is (gateway allow-lists). */
    liveBindings(after: string): Promise<Pick<DhcpLease, 'tenantId' | 'scope' | 'ip' | 'mac' | 'expiresAt'>[]>;
    list(tenantId: string, q: DhcpLeaseQuery): Promise<Page<DhcpLease>>;
    /** Deletes leases that expired before `before` (reclaim); returns how many went. */
    reclaim(before: string): Promise<number>;
  };
  /** Where enrolled agents' posture connections came from (gateway allow-lists). */
  agentAddresses: {
    /** Records (or renews) that the endpoint was seen at the address; one endpoint per address, the latest wins. */
    note(a: AgentAddress): Promise<void>;
    /** Addresses of every tenant expiring after `after`. */
    live(after: string): Promise<AgentAddress[]>;
    /** Deletes rows that expired before `before`; returns how many went. */
    reclaim(before: string): Promise<number>;
  };
  /** Network sessions from RADIUS authorizations and accounting (and later DHCP and VPN). */
  sessions: {
    /** Inserts or updates by (tenant, key); a session's startedAt never moves. One transaction. */
    saveMany(sessions: readonly NetworkSession[]): Promise<void>;
    /** Sessions of every tenant not stopped and updated after `updatedSince`: reloaded at start. */
    live(updatedSince: string): Promise<NetworkSession[]>;
    list(tenantId: string, q: NetworkSessionQuery): Promise<Page<NetworkSession>>;
    /** Deletes sessions last updated before `before` (retention); returns how many went. */
    purge(before: string): Promise<number>;
    /**
     * Calls `listener` with the cutoff after every purge, so that copies held in memory (the
     * RADIUS session table) go too: a purge must really delete (seed 000). Returns an unsubscribe.
     */
    onPurge(listener: (before: string) => void): () => void;
  };
  audit: {
    append(tenantId: string, entry: AuditEntry): Promise<void>;
    list(tenantId: string, opts: { limit: number; beforeId?: number; action?: string; targetType?: string }): Promise<AuditRecord[]>;
  };
  /** Keeps query plans good as data grows (statistics for the planner). Cheap; run periodically. */
  optimize(): Promise<void>;
  retention: {
    /** Deletes posture snapshots received before `before`; returns how many rows went. */
    purgeSnapshots(before: string): Promise<number>;
  };
  close(): Promise<void>;
}

/**
 * SQLite schema (drizzle). Every table carries `tenant_id`; every query in the repositories is
 * scoped by it. Timestamps are ISO 8601 strings in UTC so they sort lexically and read the same
 * in SQLite and PostgreSQL. JSON columns hold structures that are always read whole.
 *
 * Migrations are generated from this file by `npm run db:generate` and committed.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();

export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  // tenant_id of a tenant is itself: keeps "every row has tenant_id" literally true.
  tenantId: text('tenant_id').notNull(),
  name: text('name').notNull(),
  createdAt: text('created_at').notNull(),
});

export const adminAccounts = sqliteTable(
  'admin_accounts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    username: text('username').notNull(),
    passwordHash: text('password_hash'),
    role: text('role').notNull(),
    /** Set when the account is bound to a directory user instead of a local password. */
    ldapUser: text('ldap_user'),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('admin_accounts_tenant_username').on(t.tenantId, t.username)],
);

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    accountId: text('account_id').notNull().references(() => adminAccounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** sha256 of the secret part; the secret itself is shown once and never stored. */
    secretHash: text('secret_hash').notNull(),
    role: text('role').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at'),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('api_tokens_tenant').on(t.tenantId)],
);

export const endpoints = sqliteTable(
  'endpoints',
  {
    /**
     * Integer rowid alias, internal only (the API uses `id`). Findings and check results carry it,
     * so list filters resolve through covering indexes straight to table rows, and every sort
     * index ends in it for a free, stable tie-breaker.
     */
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    mac: text('mac'),
    deviceId: text('device_id'),
    hostname: text('hostname'),
    owner: text('owner'),
    tags: json<string[]>('tags').notNull().default(sql`'[]'`),
    /** sha256 of the device credential used for JSON posture ingestion. */
    credentialHash: text('credential_hash'),
    firstSeenAt: text('first_seen_at').notNull(),
    lastSeenAt: text('last_seen_at').notNull(),
    lastReportAt: text('last_report_at'),
    /** Current verdict, denormalised from verdicts for admission lookups and list filters. */
    verdict: text('verdict').notNull(),
    verdictAt: text('verdict_at').notNull(),
    policyId: text('policy_id'),
    /** When time alone can change the decision (grace end, staleness, exception expiry). */
    reviewAt: text('review_at'),
  },
  (t) => [
    // (tenant_id, seq): batches of a tenant's endpoints in seq order, for re-evaluation.
    index('endpoints_tenant').on(t.tenantId),
    uniqueIndex('endpoints_tenant_mac').on(t.tenantId, t.mac),
    uniqueIndex('endpoints_tenant_device').on(t.tenantId, t.deviceId),
    uniqueIndex('endpoints_credential').on(t.credentialHash),
    index('endpoints_tenant_verdict_seen').on(t.tenantId, t.verdict, t.lastSeenAt),
    index('endpoints_tenant_seen').on(t.tenantId, t.lastSeenAt),
    index('endpoints_tenant_hostname').on(t.tenantId, t.hostname),
    index('endpoints_tenant_owner').on(t.tenantId, t.owner),
    // Case-insensitive prefix search (`q`) as index range scans on the lowered values.
    index('endpoints_tenant_lhostname').on(t.tenantId, sql`lower(${t.hostname})`),
    index('endpoints_tenant_lowner').on(t.tenantId, sql`lower(${t.owner})`),
    index('endpoints_tenant_review').on(t.tenantId, t.reviewAt),
  ],
);

export const identities = sqliteTable(
  'identities',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    kind: text('kind').notNull(), // user | device
    name: text('name').notNull(),
    groups: json<string[]>('groups').notNull().default(sql`'[]'`),
    source: text('source').notNull(), // local | directory:<name>
    refreshedAt: text('refreshed_at').notNull(),
    /**
     * `verified`, or `unverified`: admitted by a directory's fail mode while it was down (or its
     * cached membership outlived the outage window). `hold` is the verdict the PDP caps such an
     * identity at until the directory confirms it.
     */
    status: text('status').notNull().default('verified'),
    hold: text('hold'),
  },
  (t) => [uniqueIndex('identities_tenant_kind_name').on(t.tenantId, t.kind, t.name), index('identities_tenant_source_refreshed').on(t.tenantId, t.source, t.refreshedAt)],
);

/** One row per (identity, group), so the group filter on the endpoint list is an index lookup. */
export const identityGroups = sqliteTable(
  'identity_groups',
  {
    tenantId: text('tenant_id').notNull(),
    identityId: text('identity_id').notNull().references(() => identities.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    groupName: text('group_name').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.identityId, t.groupName] }),
    index('identity_groups_tenant_group').on(t.tenantId, t.groupName, t.kind),
  ],
);

/**
 * The latest decision with its trace, for endpoint detail and change detection. Kept out of the
 * endpoints row (it is several KB) so that list queries scan narrow rows; verdict history keeps
 * only material changes.
 */
export const endpointDecisions = sqliteTable('endpoint_decisions', {
  endpointId: text('endpoint_id')
    .primaryKey()
    .references(() => endpoints.id, { onDelete: 'cascade' }),
  tenantId: text('tenant_id').notNull(),
  decision: json<unknown>('decision').notNull(),
});

/** The endpoint's current posture: the newest facts plus the last good value of each fact. */
export const endpointPosture = sqliteTable('endpoint_posture', {
  endpointId: text('endpoint_id')
    .primaryKey()
    .references(() => endpoints.id, { onDelete: 'cascade' }),
  tenantId: text('tenant_id').notNull(),
  reportedAt: text('reported_at').notNull(),
  receivedAt: text('received_at').notNull(),
  facts: json<unknown>('facts').notNull(),
  lastKnown: json<unknown>('last_known').notNull(),
  /** Hash of the package inventory in posture_inventories, which `facts` then refers to. */
  inventory: text('inventory'),
});

/**
 * Package inventories (the `packages` fact's value), stored once per endpoint and content: most
 * reports repeat the previous inventory, which is most of a report. Current posture and snapshots
 * refer to one by hash; the retention purge deletes those no row refers to any more.
 */
export const postureInventories = sqliteTable(
  'posture_inventories',
  {
    tenantId: text('tenant_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    hash: text('hash').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.endpointId, t.hash] })],
);

/** History of reports, purged after the retention period (seed 000). */
export const postureSnapshots = sqliteTable(
  'posture_snapshots',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    reportedAt: text('reported_at').notNull(),
    receivedAt: text('received_at').notNull(),
    source: text('source').notNull(),
    facts: json<unknown>('facts').notNull(),
    inventory: text('inventory'),
  },
  (t) => [
    index('posture_snapshots_endpoint').on(t.tenantId, t.endpointId, t.receivedAt),
    index('posture_snapshots_received').on(t.receivedAt),
  ],
);

export const checkResults = sqliteTable(
  'check_results',
  {
    tenantId: text('tenant_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    endpointSeq: integer('endpoint_seq').notNull(),
    checkId: text('check_id').notNull(),
    status: text('status').notNull(),
    action: text('action').notNull(),
    result: json<unknown>('result').notNull(),
    evaluatedAt: text('evaluated_at').notNull(),
    /** First evaluation at which this check failed, kept across evaluations for grace. */
    failingSince: text('failing_since'),
  },
  (t) => [
    primaryKey({ columns: [t.endpointId, t.checkId] }),
    index('check_results_tenant_check_status').on(t.tenantId, t.checkId, t.status, t.endpointSeq),
  ],
);

/** Pending updates and vulnerable/forbidden packages per endpoint: "extraction by patch". */
export const endpointFindings = sqliteTable(
  'endpoint_findings',
  {
    tenantId: text('tenant_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    endpointSeq: integer('endpoint_seq').notNull(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    version: text('version'),
    detail: text('detail'),
    firstSeenAt: text('first_seen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.endpointId, t.kind, t.name] }),
    index('endpoint_findings_tenant_name').on(t.tenantId, t.name, t.kind, t.endpointSeq),
  ],
);

export const verdicts = sqliteTable(
  'verdicts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    verdict: text('verdict').notNull(),
    previous: text('previous'),
    cause: text('cause').notNull(),
    decision: json<unknown>('decision').notNull(),
    decidedAt: text('decided_at').notNull(),
  },
  (t) => [index('verdicts_endpoint').on(t.tenantId, t.endpointId, t.id)],
);

export const policies = sqliteTable(
  'policies',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    precedence: integer('precedence').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    body: json<unknown>('body').notNull(),
    revision: integer('revision').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('policies_tenant_name').on(t.tenantId, t.name), index('policies_tenant_prec').on(t.tenantId, t.precedence)],
);

/**
 * Network roles (directory group → policy and VLAN). The body (groups, policy name, VLANs, admin
 * role) is read whole by the PDP; the name is a column for its per-tenant uniqueness.
 */
export const roles = sqliteTable(
  'roles',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    precedence: integer('precedence').notNull(),
    body: json<unknown>('body').notNull(),
    revision: integer('revision').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('roles_tenant_name').on(t.tenantId, t.name), index('roles_tenant_prec').on(t.tenantId, t.precedence)],
);

export const exceptions = sqliteTable(
  'exceptions',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    scopeKind: text('scope_kind').notNull(), // user | device | group
    scopeValue: text('scope_value').notNull(),
    checks: json<string[]>('checks').notNull(),
    reason: text('reason').notNull(),
    approver: text('approver').notNull(),
    expiresAt: text('expires_at').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    /** Set once the sweeper has re-evaluated the endpoints after expiry. */
    expiryProcessedAt: text('expiry_processed_at'),
  },
  (t) => [index('exceptions_tenant_expiry').on(t.tenantId, t.expiresAt)],
);

export const definitionFeeds = sqliteTable(
  'definition_feeds',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    format: text('format').notNull(),
    publishedAt: text('published_at'),
    importedAt: text('imported_at').notNull(),
    advisories: integer('advisories').notNull(),
    forbidden: integer('forbidden').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

export const definitions = sqliteTable(
  'definitions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    feed: text('feed').notNull(),
    kind: text('kind').notNull(), // advisory | forbidden | platform
    body: json<unknown>('body').notNull(),
  },
  (t) => [index('definitions_tenant_feed').on(t.tenantId, t.feed)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    actorKind: text('actor_kind').notNull(), // account | token | device | system | cli
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: json<unknown>('before'),
    after: json<unknown>('after'),
    requestId: text('request_id'),
    sourceIp: text('source_ip'),
  },
  (t) => [index('audit_tenant_at').on(t.tenantId, t.id)],
);

/**
 * One-time enrollment tokens (`kt1.<secret>.<pin>`): only the secret's sha256 is kept. A token is
 * spent by setting used_at in the same statement that checks it, so it enrolls exactly one device.
 */
export const enrollmentTokens = sqliteTable(
  'enrollment_tokens',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    secretHash: text('secret_hash').notNull().unique(),
    label: text('label'),
    /** Re-enrollment: the token can only enroll as this endpoint; deleting it deletes the token. */
    endpointId: text('endpoint_id').references(() => endpoints.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
    /** History only, no foreign key: the endpoint may be deleted later, the fact of use stays. */
    usedByEndpointId: text('used_by_endpoint_id'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('enrollment_tokens_tenant').on(t.tenantId, t.createdAt)],
);

/**
 * Network sessions seen by enforcement points: an 802.1X / MAB / VPN authorization and its
 * accounting. They tie a MAC to the NAS and port that admitted it (where CoA goes), to the IP it
 * got (what a gateway allow-list admits) and to the user and VLAN. Keyed by the NAS's own session
 * id when it sends one, else by MAC per NAS.
 */
export const networkSessions = sqliteTable(
  'network_sessions',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    /** `<nas name>|<Acct-Session-Id or mac>`. */
    key: text('key').notNull(),
    nas: text('nas').notNull(),
    /** The address the NAS's requests came from: where CoA / Disconnect go unless configured. */
    nasAddress: text('nas_address').notNull(),
    acctSessionId: text('acct_session_id'),
    mac: text('mac'),
    framedIp: text('framed_ip'),
    userName: text('user_name'),
    nasPort: text('nas_port'),
    vlan: text('vlan'),
    /** What the NAS was told at the last Access-Accept: production, quarantine, registration. */
    placement: text('placement'),
    startedAt: text('started_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    stoppedAt: text('stopped_at'),
    stopCause: text('stop_cause'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.key] }),
    index('network_sessions_mac').on(t.tenantId, t.mac),
    index('network_sessions_ip').on(t.tenantId, t.framedIp),
    index('network_sessions_updated').on(t.updatedAt),
  ],
);

/**
 * DHCP leases Kenneki's DHCP server has bound (gateway/dhcp). The key is the address within its
 * scope, so the store itself can never hold two clients on one address: a bind for an address
 * another MAC holds unexpired changes no row and is refused (lease-repo.ts). An OFFER is not
 * stored (RFC 2131 §4.3.1: the address is only reserved); the lease is written before the ACK.
 * A declined address (DECLINE: someone else answers ARP for it) is a row with state `declined`
 * and no MAC, held back until it expires.
 */
export const dhcpLeases = sqliteTable(
  'dhcp_leases',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    /** The scope's name in the config (`dhcp.scopes[].name`). */
    scope: text('scope').notNull(),
    ip: text('ip').notNull(),
    /** Canonical MAC; '' for a declined address. */
    mac: text('mac').notNull(),
    /** Option 61 as hex, when the client sent one. */
    clientId: text('client_id'),
    /** Which pool the address came from: production, quarantine or registration. */
    pool: text('pool').notNull(),
    state: text('state').notNull(),
    hostname: text('hostname'),
    boundAt: text('bound_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.scope, t.ip] }),
    index('dhcp_leases_mac').on(t.tenantId, t.mac),
    index('dhcp_leases_expires').on(t.expiresAt),
  ],
);

/**
 * Local network users: who may log in over 802.1X / VPN without a directory account (guests,
 * labs, small sites). The password is kept as an scrypt hash for TTLS/PAP; the NT hash only for
 * users allowed PEAP-MSCHAPv2 (it is password-equivalent for MS-CHAPv2); a cleartext lab password
 * only for EAP-MD5 users, which exist for labs alone.
 */
export const networkUsers = sqliteTable(
  'network_users',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    ntHash: text('nt_hash'),
    labPassword: text('lab_password'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

/**
 * Where enrolled agents were last seen: the source address of an agent's posture connection
 * (PT-TLS), so the gateway allow-list can put that address under the endpoint's verdict (a VPN
 * tunnel address, or a hand-set static address, has no lease to tie it to the endpoint). One
 * endpoint per address: the latest connection from it wins. Rows expire; `reclaim` deletes them.
 */
export const agentAddresses = sqliteTable(
  'agent_addresses',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    ip: text('ip').notNull(),
    endpointId: text('endpoint_id').notNull(),
    seenAt: text('seen_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.ip] }), index('agent_addresses_endpoint').on(t.tenantId, t.endpointId), index('agent_addresses_expires').on(t.expiresAt)],
);

/**
 * JSON schemas for policies, roles and exceptions as the admin API accepts them. Required check
 * parameters are required here, so a policy that cannot be evaluated is rejected at the door.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Discriminated, Enum } from '../util/schema.js';
import { CHECK_IDS, type CheckId } from '../verifiers/contract.js';
import { MAX_QUARANTINE_ALLOW } from './quarantine-allow.js';

const Name = Type.String({ minLength: 1, maxLength: 128 });
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 256 });
const Days = Type.Number({ minimum: 0, maximum: 3650 });
const Versioned = Type.Object({ product: Type.String({ minLength: 1, maxLength: 128 }), version: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

const PARAMS: Record<CheckId, TSchema> = {
  'os-version': Type.Object(
    { minimum: Type.Array(Versioned, { minItems: 1, maxItems: 64 }), unlisted: Type.Optional(Enum(['fail', 'pass'])) },
    { additionalProperties: false },
  ),
  'pending-updates': Type.Object({ rebootRequiredIsMinor: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  packages: Type.Object({ vulnerable: Type.Optional(Type.Boolean()), forbidden: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  antivirus: Type.Object(
    { maxSignatureAgeDays: Type.Optional(Days), requireTamperProtection: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  firewall: Type.Object({}, { additionalProperties: false }),
  'disk-encryption': Type.Object({}, { additionalProperties: false }),
  'ip-forwarding': Type.Object({}, { additionalProperties: false }),
  'factory-default-password': Type.Object({}, { additionalProperties: false }),
  'secure-boot': Type.Object({}, { additionalProperties: false }),
  'agent-version': Type.Object({ minimum: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+', maxLength: 64 }) }, { additionalProperties: false }),
  'posture-staleness': Type.Object({ maxAgeHours: Type.Optional(Type.Number({ minimum: 1, maximum: 8760 })) }, { additionalProperties: false }),
};

/** Checks whose parameters have required fields. */
const PARAMS_REQUIRED = new Set<CheckId>(['os-version', 'agent-version']);

const PolicyCheckSchema = Discriminated(
  'check',
  CHECK_IDS.map((id) =>
    Type.Object(
      {
        check: Type.Literal(id),
        action: Enum(['isolate', 'deny', 'warn']),
        graceDays: Type.Optional(Days),
        monitorOnly: Type.Optional(Type.Boolean()),
        onUnknown: Type.Optional(Enum(['isolate', 'deny', 'use-last-known'])),
        lastKnownMaxAgeHours: Type.Optional(Type.Number({ minimum: 1, maximum: 8760 })),
        params: PARAMS_REQUIRED.has(id) ? PARAMS[id] : Type.Optional(PARAMS[id]),
      },
      { additionalProperties: false },
    ),
  ),
);

/**
 * The structure of a quarantine allow entry. The host's syntax (address, CIDR or DNS name) is
 * checked in code, by quarantineAllowProblems, where node:net can judge an IPv6 address.
 */
export const QuarantineAllowSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    protocol: Type.Optional(Enum(['tcp', 'udp', 'any'])),
    ports: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { minItems: 1, maxItems: 64 })),
  },
  { additionalProperties: false },
);
export const QuarantineAllowListSchema = Type.Array(QuarantineAllowSchema, { maxItems: MAX_QUARANTINE_ALLOW });

export const PolicyInputSchema = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    precedence: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    enabled: Type.Boolean({ default: true }),
    mode: Enum(['enforce', 'monitor'], { default: 'enforce' }),
    match: Type.Object({ groups: Type.Optional(Names), deviceTags: Type.Optional(Names) }, { additionalProperties: false, default: {} }),
    checks: Type.Array(PolicyCheckSchema, { maxItems: 64 }),
    remediationUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
    quarantineAllow: Type.Optional(QuarantineAllowListSchema),
  },
  { additionalProperties: false },
);

/**
 * A VLAN for Tunnel-Private-Group-ID: an id or a name. The character set is checked here; an
 * all-digit value's range (1..4094) in code (assertRoleVlans), for a clearer message.
 */
const Vlan = Type.String({ pattern: '^[A-Za-z0-9._-]{1,32}$', description: 'VLAN id 1..4094, or a VLAN name of 1 to 32 letters, digits, ".", "_" or "-"' });

export const RoleInputSchema = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    precedence: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    groups: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 256 }),
    policy: Type.Optional(Name),
    vlans: Type.Optional(Type.Object({ allow: Type.Optional(Vlan), isolate: Type.Optional(Vlan) }, { additionalProperties: false })),
    adminRole: Type.Optional(Enum(['viewer', 'operator', 'admin'])),
  },
  { additionalProperties: false },
);

export const ExceptionInputSchema = Type.Object(
  {
    scope: Discriminated('kind', [
      Type.Object({ kind: Type.Literal('user'), user: Name }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('device'), endpointId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('group'), group: Name }, { additionalProperties: false }),
    ]),
    checks: Type.Array(Enum(['*', ...CHECK_IDS]), { minItems: 1, maxItems: 64 }),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    approver: Name,
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

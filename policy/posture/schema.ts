/**
 * JSON schema of a posture report, for the HTTP ingestion route (and the portal). Limits are
 * generous for real endpoints and bounded for hostile ones: a report can never make the server
 * allocate without bound.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Discriminated, Enum } from '../util/schema.js';
import type { FactKey } from './facts.js';

const Str = (max = 256) => Type.String({ maxLength: max });
const Time = Type.String({ format: 'date-time', maxLength: 40 });
const Source = Enum(['kenneki-agent', 'nea-ietf', 'nea-vendor', 'http', 'portal']);

/** Discriminated on `status` (ajv discriminator) so errors point into the right branch. */
function FactOf(value: TSchema) {
  const missing = (status: 'unknown' | 'error') =>
    Type.Object({ status: Type.Literal(status), reason: Str(1024), collectedAt: Time, source: Source }, { additionalProperties: false });
  return Discriminated('status', [
    Type.Object({ status: Type.Literal('ok'), value, collectedAt: Time, source: Source }, { additionalProperties: false }),
    missing('unknown'),
    missing('error'),
  ]);
}

const Os = Type.Object(
  {
    family: Enum(['linux', 'windows', 'macos', 'other']),
    product: Str(),
    version: Str(64),
    build: Type.Optional(Str(128)),
    arch: Type.Optional(Str(32)),
  },
  { additionalProperties: false },
);

const PendingUpdates = Type.Object(
  {
    updates: Type.Array(
      Type.Object(
        { id: Str(), package: Type.Optional(Str()), version: Type.Optional(Str(128)), security: Type.Boolean() },
        { additionalProperties: false },
      ),
      { maxItems: 5000 },
    ),
    rebootRequired: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Packages = Type.Object(
  {
    manager: Str(64),
    packages: Type.Array(Type.Object({ name: Str(), version: Str(128) }, { additionalProperties: false }), { maxItems: 50_000 }),
  },
  { additionalProperties: false },
);

const Antivirus = Type.Object(
  {
    products: Type.Array(
      Type.Object(
        {
          name: Str(),
          running: Type.Boolean(),
          enabled: Type.Boolean(),
          signaturesUpdatedAt: Type.Optional(Time),
          signatureAgeDays: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
          tamperProtected: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      { maxItems: 32 },
    ),
  },
  { additionalProperties: false },
);

const Firewall = Type.Object(
  { profiles: Type.Array(Type.Object({ name: Str(64), enabled: Type.Boolean() }, { additionalProperties: false }), { maxItems: 16 }) },
  { additionalProperties: false },
);

const Disk = Type.Object(
  {
    systemVolumeProtected: Type.Boolean(),
    volumes: Type.Optional(
      Type.Array(
        Type.Object({ name: Str(), encrypted: Type.Boolean(), protected: Type.Boolean(), system: Type.Boolean() }, { additionalProperties: false }),
        { maxItems: 64 },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * Each fact's value schema on its own, so the PA-TNC vendor attributes (tnc/pa/kenneki-attributes.ts)
 * validate a value with exactly the rules the HTTP route applies: one definition, two transports.
 */
export const FACT_VALUE_SCHEMAS = {
  os: Os,
  pendingUpdates: PendingUpdates,
  packages: Packages,
  antivirus: Antivirus,
  firewall: Firewall,
  diskEncryption: Disk,
  ipForwarding: Type.Boolean(),
  factoryDefaultPassword: Type.Boolean(),
  secureBoot: Type.Boolean(),
  agent: Type.Object({ name: Str(64), version: Str(64) }, { additionalProperties: false }),
  deviceId: Str(128),
} satisfies Record<FactKey, TSchema>;

export const PostureFactsSchema = Type.Object(
  {
    os: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.os)),
    pendingUpdates: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.pendingUpdates)),
    packages: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.packages)),
    antivirus: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.antivirus)),
    firewall: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.firewall)),
    diskEncryption: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.diskEncryption)),
    ipForwarding: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.ipForwarding)),
    factoryDefaultPassword: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.factoryDefaultPassword)),
    secureBoot: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.secureBoot)),
    agent: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.agent)),
    deviceId: Type.Optional(FactOf(FACT_VALUE_SCHEMAS.deviceId)),
  },
  { additionalProperties: false },
);

export const PostureReportSchema = Type.Object(
  { reportedAt: Time, facts: PostureFactsSchema },
  { additionalProperties: false, $id: 'PostureReport' },
);

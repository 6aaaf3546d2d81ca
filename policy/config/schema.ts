/**
 * The shape of the server configuration file (YAML, snake_case keys), as a TypeBox schema.
 *
 * One schema serves three purposes: ajv validates the parsed file against it, ajv's
 * `useDefaults` fills in every defaulted field from it, and `Static<>` derives the TypeScript
 * type from it, so the documentation, the validation and the type cannot drift apart.
 *
 * Every object sets `additionalProperties: false`: a misspelt key (`http.tlss`) must be an error,
 * not a silently ignored setting that leaves the server running with a default the operator
 * believes they changed.
 *
 * Every object that has defaults for all of its fields defaults to `{}` itself, so ajv descends
 * into it and fills the inner defaults; an empty file therefore yields the full default config.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { buildRadiusSchema, RADIUS_SECRET_MIN_LENGTH } from './radius.js';
import { buildAllowlistSchema, GATEWAY_SECRET_MIN_LENGTH } from './allowlist.js';
import { buildDhcpSchema } from './dhcp.js';
import { Enum } from '../util/schema.js';
import { KENNEKI_VENDOR_ID } from '../tnc/pa/constants.js';
import { buildIdentitySchema, DIRECTORY_BIND_PASSWORD_MIN_LENGTH } from '../identity/config.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** Only SQLite is implemented; PostgreSQL joins this list when scale-out lands. */
export const STORE_DRIVERS = ['sqlite'] as const;
/** `allow` is deliberately absent: an endpoint we know nothing about must fail closed. */
export const UNKNOWN_ENDPOINT_VERDICTS = ['isolate', 'deny'] as const;
/** How a PT-TLS client proves who it is: nothing, SASL PLAIN inside TLS, or a device certificate. */
export const PT_TLS_CLIENT_AUTH = ['none', 'sasl-plain', 'mutual-tls'] as const;

export const TENANT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$';
/** POSIX-style environment variable names; anything else is almost certainly a typo. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** A bootstrap admin password shorter than this is too weak to put in front of a network. */
export const BOOTSTRAP_PASSWORD_MIN_LENGTH = 16;

const MIB = 1024 * 1024;
/**
 * 128 TLS records of 16 KiB minus the PT-TLS header: the most a standard client sends in one
 * message (nea-wire.md), so the default refuses nothing a real client produces.
 */
export const PT_TLS_MAX_MESSAGE_BYTES_DEFAULT = 128 * 16384 - 16;

/**
 * A secret field: a literal string, or a reference to where the secret lives so that it need
 * not be written into the config file. `secrets.ts` replaces references with their values.
 * The literal branch comes first: the error formatter and `secrets.ts` look the length rule up
 * on the string branch.
 */
export function SecretRef(minLength: number) {
  return Type.Union([
    Type.String({ minLength }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ env: Type.String({ pattern: ENV_NAME_PATTERN }) }, { additionalProperties: false }),
  ]);
}

/**
 * Builds the config schema around a schema for secret fields, so that the same shape describes
 * both the file as written (secret references allowed) and the config after resolution (every
 * secret is a plain string).
 */
function buildConfigSchema<S extends TSchema>(secret: (minLength: number) => S) {
  return Type.Object(
    {
      /** Relative paths are resolved against the working directory of the process. */
      data_dir: Type.String({ minLength: 1, default: './data' }),
      log: Type.Object(
        { level: Enum(LOG_LEVELS, { default: 'info' }) },
        { additionalProperties: false, default: {} },
      ),
      http: Type.Object(
        {
          host: Type.String({ minLength: 1, maxLength: 253, default: '127.0.0.1' }),
          port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
          /** Absent means plain HTTP (e.g. behind a TLS-terminating proxy). */
          tls: Type.Optional(
            Type.Object(
              { cert_file: Type.String({ minLength: 1 }), key_file: Type.String({ minLength: 1 }) },
              { additionalProperties: false },
            ),
          ),
          trust_proxy: Type.Boolean({ default: false }),
          body_limit_bytes: Type.Integer({ minimum: 1024, maximum: 64 * MIB, default: MIB }),
        },
        { additionalProperties: false, default: {} },
      ),
      store: Type.Object(
        {
          driver: Enum(STORE_DRIVERS, { default: 'sqlite' }),
          /** Relative to data_dir unless absolute. */
          path: Type.String({ minLength: 1, default: 'kenneki.db' }),
          /** Assessments are written on a worker thread with its own connection; false: on the main thread. */
          writer_thread: Type.Boolean({ default: true }),
        },
        { additionalProperties: false, default: {} },
      ),
      /** Bootstrap tenants, created at start when missing. Ids must be unique (checked in load.ts). */
      tenants: Type.Array(
        Type.Object(
          {
            id: Type.String({ pattern: TENANT_ID_PATTERN }),
            name: Type.String({ minLength: 1, maxLength: 128 }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, default: [{ id: 'default', name: 'Default' }] },
      ),
      admin: Type.Object(
        {
          bootstrap_user: Type.String({ pattern: USERNAME_PATTERN, default: 'admin' }),
          /** Absent: a one-time password is generated and printed once at first start. */
          bootstrap_password: Type.Optional(secret(BOOTSTRAP_PASSWORD_MIN_LENGTH)),
        },
        { additionalProperties: false, default: {} },
      ),
      posture: Type.Object(
        {
          stale_after_hours: Type.Integer({ minimum: 1, maximum: 8760, default: 24 }),
          unknown_endpoint_verdict: Enum(UNKNOWN_ENDPOINT_VERDICTS, { default: 'isolate' }),
          retention_days: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
          reevaluate_interval_seconds: Type.Integer({ minimum: 5, maximum: 86400, default: 60 }),
        },
        { additionalProperties: false, default: {} },
      ),
      /** The NEA (RFC 6876 PT-TLS) listener standard clients such as strongSwan's pt-tls-client connect to. */
      pt_tls: Type.Object(
        {
          enabled: Type.Boolean({ default: true }),
          host: Type.String({ minLength: 1, maxLength: 253, default: '127.0.0.1' }),
          /** 271 is the IANA port for PT-TLS; 0 picks a free port (tests). */
          port: Type.Integer({ minimum: 0, maximum: 65535, default: 271 }),
          /** The tenant PT-TLS clients belong to. Absent: the first of `tenants` (checked in load.ts). */
          tenant: Type.Optional(Type.String({ pattern: TENANT_ID_PATTERN })),
          client_auth: Enum(PT_TLS_CLIENT_AUTH, { default: 'sasl-plain' }),
          /**
           * PA-TNC vendor id of Kenneki's own attributes (24-bit IANA PEN; 0 is IETF, 0xffffff
           * reserved). The default is a documentation placeholder: set your own PEN if you have one.
           */
          vendor_id: Type.Integer({ minimum: 1, maximum: 0xfffffe, default: KENNEKI_VENDOR_ID }),
          /** DNS names and IP addresses put in the server certificate Kenneki's CA issues. */
          server_names: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { minItems: 1, default: ['localhost', '127.0.0.1'] }),
          /** Key type of that server certificate; RSA-2048 is for clients without ECDSA and costs more CPU per handshake. */
          server_key: Enum(['ecdsa-p256', 'rsa-2048'] as const, { default: 'ecdsa-p256' }),
          idle_timeout_seconds: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
          handshake_timeout_seconds: Type.Integer({ minimum: 1, maximum: 300, default: 10 }),
          max_connections: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
          /** Per-connection bounds: one client must not make the server buffer or work without end. */
          limits: Type.Object(
            {
              /** Whole PT-TLS message, header included; the PB-TNC batch limit is this minus the 16-byte header. */
              max_message_bytes: Type.Integer({ minimum: 4096, maximum: 16 * MIB, default: PT_TLS_MAX_MESSAGE_BYTES_DEFAULT }),
              /** SDATA Attribute-Request rounds per assessment: a client must not be able to loop us. */
              max_round_trips: Type.Integer({ minimum: 0, maximum: 16, default: 2 }),
              /** PB-TNC batches a client may send on one connection, reassessments included. */
              max_batches: Type.Integer({ minimum: 1, maximum: 10_000, default: 64 }),
            },
            { additionalProperties: false, default: {} },
          ),
        },
        { additionalProperties: false, default: {} },
      ),
      /** AD / OpenLDAP directories: who users and devices are, and which groups choose their policy. */
      identity: buildIdentitySchema(secret(DIRECTORY_BIND_PASSWORD_MIN_LENGTH)),
      /** The RADIUS server: 802.1X, MAB and VPN concentrators ask it for access (gateway/radius/). */
      radius: buildRadiusSchema(secret(RADIUS_SECRET_MIN_LENGTH)),
      /** The DHCP server: leases from the production or the quarantine pool, by verdict (gateway/dhcp/). */
      dhcp: buildDhcpSchema(),
      /** Gateway allow-lists: nftables on this host and on remote gateways (gateway/allowlist/). */
      allowlist: buildAllowlistSchema(secret(GATEWAY_SECRET_MIN_LENGTH)),
    },
    { additionalProperties: false },
  );
}

/** The file as written: secret fields may be references (`{ file }` / `{ env }`). */
export const ConfigSchema = buildConfigSchema(SecretRef);
/** The config after defaults, secret resolution and path resolution: secrets are strings. */
export const ResolvedConfigSchema = buildConfigSchema(() => Type.String());

export type SecretRefValue = Static<ReturnType<typeof SecretRef>>;
/** The validated file with defaults applied, before secrets and paths are resolved. */
export type RawConfig = Static<typeof ConfigSchema>;
/** What the rest of the server receives from `loadConfig()`. */
export type KennekiConfig = Static<typeof ResolvedConfigSchema>;

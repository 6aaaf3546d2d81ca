/**
 * `radius`: the 802.1X / MAB / VPN enforcement point's settings. The schema is the operator's
 * contract and lives with the rest of the config; the server that reads it is gateway/radius/.
 *
 * Built around the secret schema like the rest of the config (config/schema.ts), so a NAS
 * client's shared secret may be a `{ file }` or `{ env }` reference.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Enum } from '../util/schema.js';

/**
 * Shorter shared secrets fall to offline guessing from one sniffed request/response pair
 * (RFC 2865 §3 "should be at least as large and unguessable as a well-chosen password"; the
 * BlastRADIUS advisory asks for long random ones).
 */
export const RADIUS_SECRET_MIN_LENGTH = 16;

/** What a MAC that no endpoint carries gets at MAB. */
export const UNKNOWN_MAC_ACTIONS = ['quarantine', 'registration', 'reject'] as const;

export const EAP_METHOD_NAMES = ['tls', 'ttls-pap', 'peap-mschapv2', 'md5'] as const;

/** A VLAN as Tunnel-Private-Group-ID carries it: an id (1–4094) or a name some switches accept. */
const Vlan = Type.String({ pattern: '^[A-Za-z0-9._-]{1,32}$' });

const RoleName = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' });

const VlanSet = Type.Object(
  {
    /** Allowed endpoints without a role VLAN. Absent: no VLAN attributes, the port's own VLAN. */
    production: Type.Optional(Vlan),
    /** Isolated endpoints without a role VLAN. */
    quarantine: Type.Optional(Vlan),
    /** Unknown MACs when `unknown_mac` is `registration`. */
    registration: Type.Optional(Vlan),
  },
  { additionalProperties: false },
);

export function buildRadiusSchema<S extends TSchema>(secret: S) {
  const client = Type.Object(
    {
      /** Names the NAS in logs, sessions, metrics and the audit log. Unique. */
      name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' }),
      /** The source address requests come from: one IP, or a CIDR for a block of switches. */
      address: Type.String({ minLength: 2, maxLength: 64 }),
      secret,
      /** The tenant whose endpoints this NAS admits. Absent: the first of `tenants`. */
      tenant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })),
      /** Vendor profile: which attributes carry roles and MACs, how CoA works (gateway/radius/nas-profiles.ts). */
      profile: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', default: 'generic' }),
      /**
       * Accept Access-Requests without Message-Authenticator from this NAS. Only for switches that
       * cannot send it: such requests are open to BlastRADIUS (CVE-2024-3596) forgery.
       */
      legacy_no_message_authenticator: Type.Boolean({ default: false }),
      /** Where the NAS listens for CoA / Disconnect (RFC 5176). */
      coa_port: Type.Integer({ minimum: 1, maximum: 65535, default: 3799 }),
      /** The NAS's own address for CoA when requests come from a CIDR (one switch per client then). */
      coa_address: Type.Optional(Type.String({ minLength: 2, maxLength: 64 })),
      vlans: Type.Optional(VlanSet),
    },
    { additionalProperties: false },
  );
  return Type.Object(
    {
      enabled: Type.Boolean({ default: false }),
      host: Type.String({ minLength: 1, maxLength: 253, default: '0.0.0.0' }),
      /** 0 picks a free port (tests). */
      auth_port: Type.Integer({ minimum: 0, maximum: 65535, default: 1812 }),
      acct_port: Type.Integer({ minimum: 0, maximum: 65535, default: 1813 }),
      unknown_mac: Enum(UNKNOWN_MAC_ACTIONS, { default: 'quarantine' }),
      vlans: Type.Object(VlanSet.properties, { additionalProperties: false, default: {} }),
      /**
       * Role / ACL names sent (through the NAS profile's role attribute) with quarantine and
       * registration placements, e.g. an ACL that permits only the remediation servers.
       */
      roles: Type.Object(
        { quarantine: Type.Optional(RoleName), registration: Type.Optional(RoleName) },
        { additionalProperties: false, default: {} },
      ),
      /**
       * Session-Timeout sent with quarantine placements: the NAS re-authenticates the port this
       * often, so a device that fixed itself gets out even if a CoA is lost. 0: not sent.
       */
      quarantine_session_timeout_seconds: Type.Integer({ minimum: 0, maximum: 86400, default: 300 }),
      /**
       * Worker processes that serve the RADIUS ports, each reading a socket of its own where the
       * kernel can spread a port over a group (gateway/radius/server/port-group.ts), else all
       * sharing one; the main process reads the socket of a worker that is down. 0: the main
       * process alone. About one per core for more than a few thousand MAB requests a second;
       * EAP is always served by the main process.
       */
      workers: Type.Integer({ minimum: 0, maximum: 32, default: 0 }),
      /** How long a response is kept to answer a retransmitted request (RFC 5080 §2.2.2). */
      duplicate_window_seconds: Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
      coa: Type.Object(
        {
          enabled: Type.Boolean({ default: true }),
          timeout_ms: Type.Integer({ minimum: 50, maximum: 30_000, default: 1000 }),
          retries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
        },
        { additionalProperties: false, default: {} },
      ),
      eap: Type.Object(
        {
          methods: Type.Array(Enum(EAP_METHOD_NAMES), { uniqueItems: true, maxItems: 4, default: ['tls', 'ttls-pap', 'peap-mschapv2'] }),
          /** PEM files; absent: Kenneki's CA issues the EAP server certificate at start, as for PT-TLS. */
          cert_file: Type.Optional(Type.String({ minLength: 1 })),
          key_file: Type.Optional(Type.String({ minLength: 1 })),
          /** CAs whose device certificates EAP-TLS accepts, besides Kenneki's own CA. */
          client_ca_files: Type.Array(Type.String({ minLength: 1 }), { maxItems: 16, default: [] }),
          /** A conversation idle this long is forgotten (its State no longer answers). */
          state_timeout_seconds: Type.Integer({ minimum: 5, maximum: 300, default: 30 }),
          /** Access-Challenges per conversation at most: a peer must not be able to loop us. */
          max_round_trips: Type.Integer({ minimum: 4, maximum: 200, default: 50 }),
          /** TLS record bytes per EAP fragment (fits 1500-byte frames with RADIUS overhead). */
          fragment_bytes: Type.Integer({ minimum: 256, maximum: 4000, default: 1000 }),
          /** TLS session resumption lifetime; 0 turns resumption off. */
          resumption_seconds: Type.Integer({ minimum: 0, maximum: 86400, default: 3600 }),
          /** CRLs (PEM or DER) of the client CAs; a CA with one configured has its certificates checked against it. */
          crl_files: Type.Array(Type.String({ minLength: 1 }), { maxItems: 16, default: [] }),
          /** Who runs EAP's TLS: native (OpenSSL through memory BIOs, the optional module native/eap-tls), node (Node's TLSSocket), or auto: native when built. */
          tls_engine: Enum(['auto', 'native', 'node'] as const, { default: 'auto' }),
          /** Threads doing EAP's TLS besides the RADIUS thread; 0: EAP runs on the main thread. */
          threads: Type.Integer({ minimum: 0, maximum: 32, default: 0 }),
        },
        { additionalProperties: false, default: {} },
      ),
      clients: Type.Array(client, { maxItems: 10_000, default: [] }),
    },
    { additionalProperties: false, default: {} },
  );
}

/**
 * `identity.directories`: the AD and OpenLDAP directories Kenneki reads users, groups and computers
 * from. Built around the secret schema like the rest of the config (config/schema.ts), so the
 * service bind password may be a `{ file }` or `{ env }` reference.
 *
 * What differs between Active Directory and OpenLDAP (attribute names, object classes, how nested
 * membership is resolved) is data in `profiles.ts`; a directory here only overrides it.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Enum } from '../util/schema.js';

export const DIRECTORY_TYPES = ['active-directory', 'openldap'] as const;
/**
 * - `ldaps`: TLS from the first byte (port 636).
 * - `starttls`: plain LDAP upgraded before anything else is sent (port 389); the upgrade is
 *   required, never optional, so a server that refuses it is an error, not a plaintext fallback.
 * - `none`: plaintext, accepted only for loopback URLs (load.ts): passwords travel in binds.
 */
export const DIRECTORY_TLS_MODES = ['ldaps', 'starttls', 'none'] as const;
/** What an unknown user gets while every URL of the directory is down. */
export const DIRECTORY_FAIL_MODES = ['isolate', 'deny', 'reject'] as const;
/** How a member's groups are found in OpenLDAP: its memberOf values, or a search of groupOfNames. */
export const MEMBERSHIP_MODES = ['member-of', 'group-search', 'in-chain'] as const;
/** The name a group goes by in policies and exceptions: its cn, or its whole DN. */
export const GROUP_NAMES = ['cn', 'dn'] as const;

/** A bind password shorter than this is a placeholder, not a credential. */
export const DIRECTORY_BIND_PASSWORD_MIN_LENGTH = 8;

const Dn = Type.String({ minLength: 3, maxLength: 1024 });
const Attr = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9-]{0,63}$' });

export function buildDirectorySchema<S extends TSchema>(bindPassword: S) {
  return Type.Object(
    {
      /** Unique; names the directory in logs, metrics and the identities' `source`. */
      name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
      /** The tenant whose users and devices live here. Absent: the first of `tenants`. */
      tenant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })),
      type: Enum(DIRECTORY_TYPES),
      /** Tried in order; the next one on a connect failure or timeout. */
      urls: Type.Array(Type.String({ pattern: '^ldaps?://[^/?#\\s]+/?$' }), { minItems: 1, maxItems: 16 }),
      tls: Type.Object(
        {
          mode: Type.Optional(Enum(DIRECTORY_TLS_MODES)),
          /** PEM file holding the CA(s) the directory's certificate must chain to; nothing else is trusted. */
          ca_file: Type.Optional(Type.String({ minLength: 1 })),
          /** The name the certificate must carry, when the URLs use addresses or other names. */
          server_name: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
        },
        { additionalProperties: false, default: {} },
      ),
      /** The service account Kenneki binds as for lookups (a DN, or a UPN for AD). */
      bind_dn: Type.String({ minLength: 1, maxLength: 1024 }),
      bind_password: bindPassword,
      base_dn: Dn,
      users: Type.Object(
        {
          base_dn: Type.Optional(Dn),
          /** What users type as their user name: sAMAccountName (AD) or uid (OpenLDAP) by default. */
          login_attribute: Type.Optional(Attr),
          object_class: Type.Optional(Attr),
        },
        { additionalProperties: false, default: {} },
      ),
      groups: Type.Object(
        {
          base_dn: Type.Optional(Dn),
          membership: Type.Optional(Enum(MEMBERSHIP_MODES)),
          /** Follow groups inside groups. AD does it server-side (in-chain); OpenLDAP here, level by level. */
          nested: Type.Boolean({ default: true }),
          /** Levels followed at most when Kenneki resolves nesting itself; cycles are cut anyway. */
          max_depth: Type.Integer({ minimum: 1, maximum: 32, default: 8 }),
          name: Enum(GROUP_NAMES, { default: 'cn' }),
        },
        { additionalProperties: false, default: {} },
      ),
      computers: Type.Object(
        {
          base_dn: Type.Optional(Dn),
          object_class: Type.Optional(Attr),
          /** Tried in order against a device's host name (short and fully qualified). */
          hostname_attributes: Type.Optional(Type.Array(Attr, { minItems: 1, maxItems: 8 })),
          /** Holds the device's MAC (colon form), for MAB owner lookups; OpenLDAP: macAddress. */
          mac_attribute: Type.Optional(Attr),
          /** Holds the DN of the device's owner; OpenLDAP: owner, AD: managedBy. */
          owner_attribute: Type.Optional(Attr),
        },
        { additionalProperties: false, default: {} },
      ),
      page_size: Type.Integer({ minimum: 10, maximum: 5000, default: 500 }),
      connect_timeout_ms: Type.Integer({ minimum: 100, maximum: 60_000, default: 3000 }),
      operation_timeout_ms: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
      cache: Type.Object(
        {
          /** Memberships older than this are refreshed in the background. */
          ttl_seconds: Type.Integer({ minimum: 10, maximum: 7 * 86400, default: 900 }),
          /** While the directory is down, cached memberships keep applying this long past their TTL. */
          outage_window_seconds: Type.Integer({ minimum: 0, maximum: 30 * 86400, default: 86400 }),
        },
        { additionalProperties: false, default: {} },
      ),
      fail_mode: Enum(DIRECTORY_FAIL_MODES, { default: 'isolate' }),
    },
    { additionalProperties: false },
  );
}

export function buildIdentitySchema<S extends TSchema>(bindPassword: S) {
  return Type.Object(
    {
      directories: Type.Array(buildDirectorySchema(bindPassword), { maxItems: 64, default: [] }),
    },
    { additionalProperties: false, default: {} },
  );
}

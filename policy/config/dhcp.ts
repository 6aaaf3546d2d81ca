/**
 * `dhcp`: the DHCP lease-steering enforcement point's settings (gateway/dhcp/). Kenneki serves
 * DHCP itself and picks, per client, the pool an address comes from: production for `allow`,
 * quarantine for `isolate`, and what `unknown_mac` says for a MAC no endpoint carries.
 *
 * Relay-first: a relayed request's giaddr (or its option 82 link-selection sub-option) picks the
 * scope whose pool subnets contain it. One scope may also be `direct`, serving the one segment
 * the server is attached to (requests without giaddr; broadcast replies need 0.0.0.0:67).
 */
import { Type } from '@sinclair/typebox';
import { Enum } from '../util/schema.js';

/** What a MAC no endpoint carries gets: a quarantine or registration lease, or no answer at all. */
export const DHCP_UNKNOWN_MAC_ACTIONS = ['quarantine', 'registration', 'ignore'] as const;

const Ipv4 = Type.String({ minLength: 7, maxLength: 15 });

function pool(defaultLeaseSeconds: number) {
  return Type.Object(
    {
      /** The pool's subnet (CIDR): its mask is the Subnet Mask option, and a giaddr inside it picks the scope. */
      subnet: Type.String({ minLength: 9, maxLength: 18 }),
      /** First and last address handed out, inclusive, inside the subnet: `10.20.1.10-10.20.1.250`. */
      range: Type.String({ minLength: 15, maxLength: 31 }),
      routers: Type.Array(Ipv4, { maxItems: 8, default: [] }),
      dns: Type.Array(Ipv4, { maxItems: 8, default: [] }),
      domain: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$' })),
      lease_seconds: Type.Integer({ minimum: 30, maximum: 7 * 86400, default: defaultLeaseSeconds }),
      /** RFC 8910 captive-portal URI (option 114), https only: where a quarantined browser is sent. */
      captive_portal: Type.Optional(Type.String({ pattern: '^https://', maxLength: 255 })),
    },
    { additionalProperties: false },
  );
}

export function buildDhcpSchema() {
  const scope = Type.Object(
    {
      /** Names the scope in leases, logs and metrics. Unique. */
      name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' }),
      /** The tenant whose endpoints this scope serves. Absent: the first of `tenants`. */
      tenant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })),
      /** Serve requests that arrive without a relay (giaddr 0.0.0.0): the directly attached segment. At most one scope. */
      direct: Type.Boolean({ default: false }),
      pools: Type.Object(
        {
          production: pool(3600),
          /** Short by default: a quarantined client comes back often, so a fix is noticed within a minute. */
          quarantine: pool(60),
          registration: Type.Optional(pool(60)),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );
  return Type.Object(
    {
      enabled: Type.Boolean({ default: false }),
      /** Address to listen on; 0.0.0.0 to hear broadcasts from a directly attached segment. */
      host: Type.String({ minLength: 1, maxLength: 15, default: '0.0.0.0' }),
      /** 0 picks a free port (tests); clients and relays always send to 67. */
      port: Type.Integer({ minimum: 0, maximum: 65535, default: 67 }),
      /** The Server Identifier (option 54): this server's address as clients and relays reach it. Required when enabled. */
      server_id: Type.Optional(Ipv4),
      unknown_mac: Enum(DHCP_UNKNOWN_MAC_ACTIONS, { default: 'quarantine' }),
      /** How long an offered address is kept for the client before another may get it. */
      offer_hold_seconds: Type.Integer({ minimum: 5, maximum: 300, default: 30 }),
      /** How long a DECLINEd address (someone else answers ARP for it) is held back from everyone. */
      decline_hold_seconds: Type.Integer({ minimum: 60, maximum: 86400, default: 600 }),
      scopes: Type.Array(scope, { maxItems: 4096, default: [] }),
    },
    { additionalProperties: false, default: {} },
  );
}

/**
 * `allowlist`: the gateway allow-list enforcement point (gateway/allowlist/). The policy server
 * works out, per tenant, which addresses belong to which endpoint (DHCP leases, accounting
 * sessions with Framed-IP-Address, the source address of enrolled agents) and so which are
 * allowed; gateways put that into an nftables table of their own.
 *
 * Two halves:
 * - what every gateway must let quarantined hosts reach (remediation, services, the portal), and
 *   which remote gateways may fetch the list (`gateways`, each with its credential);
 * - `local`: this host enforces too (the policy server runs on the LAN/VPN gateway itself).
 *   Remote gateways take the same settings as `kenneki gateway` options instead.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Enum } from '../util/schema.js';

/** Gateway credentials are compared as hashes; 32 characters keep them out of guessing range. */
export const GATEWAY_SECRET_MIN_LENGTH = 32;
export const NFT_TABLE_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,31}$';
export const IFNAME_PATTERN = '^[A-Za-z0-9._-]{1,15}$';

const Cidr = Type.String({ minLength: 7, maxLength: 18 });

export function buildAllowlistSchema<S extends TSchema>(secret: S) {
  return Type.Object(
    {
      enabled: Type.Boolean({ default: false }),
      /** Tenants whose endpoints the local gateway enforces. Empty: every tenant. */
      tenants: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000, default: [] }),
      /** Hosts or networks quarantined endpoints may reach (patch servers, AV update mirrors): IPv4 addresses or CIDRs. */
      remediation: Type.Array(Cidr, { maxItems: 4096, default: [] }),
      /** Kenneki's own services as clients reach them (the portal's HTTPS, PT-TLS), and anything else quarantined hosts need. */
      services: Type.Array(
        Type.Object(
          {
            ip: Type.String({ minLength: 7, maxLength: 15 }),
            proto: Enum(['tcp', 'udp'] as const),
            port: Type.Integer({ minimum: 1, maximum: 65535 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1024, default: [] },
      ),
      /** DNS resolvers quarantined hosts may query (UDP and TCP 53). */
      dns: Type.Array(Type.String({ minLength: 7, maxLength: 15 }), { maxItems: 16, default: [] }),
      /** Where HTTP from quarantined hosts is redirected (https). Absent: HTTP is refused like anything else. */
      portal_url: Type.Optional(Type.String({ pattern: '^https://', maxLength: 255 })),
      /** How long an agent's source address stays tied to its endpoint without a new report. */
      agent_address_ttl_seconds: Type.Integer({ minimum: 60, maximum: 7 * 86400, default: 3600 }),
      /** The whole address view is rebuilt from the store this often (expired leases and sessions leave it). */
      refresh_seconds: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
      /** Remote gateways (`kenneki gateway --server URL`) allowed to stream the list, each with its own credential. */
      gateways: Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
            secret,
            /** Tenants whose endpoints this gateway enforces. Required: a gateway sees only what it is given. */
            tenants: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000, default: [] },
      ),
      /** This host is a gateway too: nftables here, fed in-process. */
      local: Type.Object(
        {
          enabled: Type.Boolean({ default: false }),
          table: Type.String({ pattern: NFT_TABLE_PATTERN, default: 'kenneki' }),
          /** Endpoint networks this gateway stands in front of (LAN scopes, VPN pools). */
          client_networks: Type.Array(Cidr, { maxItems: 1024, default: [] }),
          /** Directly attached segments: allowed hosts must match IP and MAC there. */
          direct_interfaces: Type.Array(Type.String({ pattern: IFNAME_PATTERN }), { maxItems: 256, default: [] }),
          /** Local port of the portal redirector (0: pick a free one; absent: no redirect). */
          portal_redirect_port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          /** This host's address redirected HTTP is sent to (absent: the first address of the host's interfaces). */
          portal_redirect_address: Type.Optional(Type.String({ minLength: 7, maxLength: 15 })),
          /** The table is compared with what it should be this often; drift is repaired and audited. */
          reconcile_seconds: Type.Integer({ minimum: 5, maximum: 86400, default: 60 }),
          /** The nft binary. */
          nft: Type.String({ minLength: 1, default: 'nft' }),
        },
        { additionalProperties: false, default: {} },
      ),
    },
    { additionalProperties: false, default: {} },
  );
}

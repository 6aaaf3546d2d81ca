/**
 * The NAS clients: who may ask, with which secret, for which tenant, speaking which dialect. A
 * request's source address picks the client; the most specific block wins, and an exact address
 * costs one Map lookup because that is every request's first step.
 */
import { cidrContains, ipBytes, parseCidr, type Cidr } from '../../../policy/util/cidr.js';
import { ipv6GroupsToText } from '../../../policy/util/ipv6-text.js';
import type { KennekiConfig } from '../../../policy/config/schema.js';
import { KennekiError } from '../../../policy/errors.js';
import { nasProfile, type NasProfile } from '../nas-profiles.js';

type VlanSet = { production?: string; quarantine?: string; registration?: string };

export interface NasClient {
  name: string;
  tenantId: string;
  secret: Buffer;
  profile: NasProfile;
  legacyNoMessageAuthenticator: boolean;
  /** Where CoA / Disconnect go: the configured address, else the request's source. */
  coaAddress?: string;
  coaPort: number;
  vlans: VlanSet;
}

export class NasClientTable {
  private readonly exact = new Map<string, NasClient>();
  /** Most specific first. */
  private readonly blocks: { cidr: Cidr; client: NasClient }[] = [];
  private readonly names = new Map<string, NasClient>();

  constructor(clients: readonly { cidr: Cidr; client: NasClient }[]) {
    for (const c of clients) {
      this.names.set(c.client.name, c.client);
      const full = c.cidr.family === 4 ? 32 : 128;
      if (c.cidr.prefix === full) this.exact.set(canonicalIp(c.cidr.bytes), c.client);
      else this.blocks.push(c);
    }
    this.blocks.sort((a, b) => b.cidr.prefix - a.cidr.prefix);
  }

  /** By configured name (sessions name their NAS). */
  byName(name: string): NasClient | undefined {
    return this.names.get(name);
  }

  /** The client for a datagram's source address, or undefined (the request is dropped). */
  match(address: string): NasClient | undefined {
    const hit = this.exact.get(address);
    if (hit) return hit;
    if (this.blocks.length === 0 && !address.includes(':')) return undefined;
    const bytes = ipBytes(address);
    if (!bytes) return undefined;
    // A dual-stack socket reports ::ffff:10.0.0.1; its IPv4 form may be an exact entry.
    const exact = this.exact.get(canonicalIp(bytes));
    if (exact) return exact;
    return this.blocks.find((b) => cidrContains(b.cidr, bytes))?.client;
  }

  get size(): number {
    return this.exact.size + this.blocks.length;
  }

  static fromConfig(radius: KennekiConfig['radius']): NasClientTable {
    const problems: string[] = [];
    const entries = radius.clients.flatMap((c, i) => {
      const cidr = parseCidr(c.address);
      const profile = nasProfile(c.profile);
      if (!cidr) problems.push(`radius.clients[${i}].address: not an IP address or CIDR block`);
      if (!profile) problems.push(`radius.clients[${i}].profile: unknown profile ${JSON.stringify(c.profile)}`);
      if (!cidr || !profile) return [];
      const client: NasClient = {
        name: c.name,
        tenantId: c.tenant ?? 'default',
        secret: Buffer.from(c.secret, 'utf8'),
        profile,
        legacyNoMessageAuthenticator: c.legacy_no_message_authenticator,
        coaPort: c.coa_port,
        ...(c.coa_address !== undefined ? { coaAddress: c.coa_address } : {}),
        vlans: { ...radius.vlans, ...c.vlans },
      };
      return [{ cidr, client }];
    });
    if (problems.length > 0) {
      throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', `invalid RADIUS client configuration: ${problems.join('; ')}`, { details: { problems } });
    }
    return new NasClientTable(entries);
  }
}

/** The text form a UDP socket reports for this address (dotted IPv4; IPv6 as node prints it, RFC 5952). */
function canonicalIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  return ipv6GroupsToText(groups);
}

/**
 * What the policy server tells remote gateways (`kenneki gateway`), and who may ask: the address
 * view's entries for the gateway's tenants, plus the gateway policy (what quarantined hosts may
 * still reach). Built once from the config.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { KennekiConfig } from '../config/schema.js';
import type { AddressView } from './address-view.js';

/** One TCP or UDP service quarantined hosts may use (Kenneki's portal and PT-TLS, DNS, DHCP). */
export interface GatewayService {
  ip: string;
  proto: 'tcp' | 'udp';
  port: number;
}

/** What the policy server says every gateway must let quarantined hosts reach. */
export interface GatewayPolicy {
  /** Remediation hosts or networks: IPv4 addresses or CIDRs. */
  remediation: string[];
  services: GatewayService[];
  /** Where the HTTP redirect sends quarantined browsers (https). Absent: HTTP is only refused. */
  portalUrl?: string;
}

export interface GatewayCredential {
  name: string;
  tenants: readonly string[];
}

export interface GatewayFeed {
  view: AddressView;
  /** The configured remote gateways' names (no stream route without any). */
  gateways: readonly string[];
  policy: GatewayPolicy;
  /** The gateway a bearer secret belongs to, or undefined. Compares hashes in constant time. */
  authenticate(secret: string): GatewayCredential | undefined;
}

export function gatewayPolicyOf(al: KennekiConfig['allowlist']): GatewayPolicy {
  const services: GatewayService[] = al.services.map((s) => ({ ip: s.ip, proto: s.proto, port: s.port }));
  // DNS over UDP, and over TCP for answers too large for a datagram.
  for (const ip of al.dns) services.push({ ip, proto: 'udp', port: 53 }, { ip, proto: 'tcp', port: 53 });
  return { remediation: [...al.remediation], services, ...(al.portal_url !== undefined ? { portalUrl: al.portal_url } : {}) };
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function gatewayFeed(al: KennekiConfig['allowlist'], view: AddressView): GatewayFeed {
  const known = al.gateways.map((g) => ({ hash: sha256(g.secret), credential: { name: g.name, tenants: [...g.tenants] } }));
  return {
    view,
    gateways: al.gateways.map((g) => g.name),
    policy: gatewayPolicyOf(al),
    authenticate(secret) {
      const h = sha256(secret);
      // Every credential is compared, so the time taken does not say which one was close.
      let found: GatewayCredential | undefined;
      for (const k of known) if (timingSafeEqual(k.hash, h)) found ??= k.credential;
      return found;
    },
  };
}

/**
 * Remediation hosts a quarantined device may still reach. A Kenneki agent turns the list into
 * host-firewall rules on `isolate` (only the Kenneki server, DHCP/DNS and these), so a host that
 * does not parse would leave the user unable to fix the device: hosts are checked when the
 * policy is written, not when the agent applies them.
 */
import { isIP } from 'node:net';
import type { PolicyBody, QuarantineAllow } from './policy.js';

/** Bounded: every entry becomes firewall rules on every quarantined device. */
export const MAX_QUARANTINE_ALLOW = 64;

/** RFC 1123 label: letters, digits and inner hyphens, 1–63 characters. */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `host` is not an address, a CIDR prefix or a DNS name; undefined when it is one. */
export function quarantineHostProblem(host: string): string | undefined {
  // A zone id (fe80::1%eth0) names an interface of the server, meaningless on the endpoint.
  if (host.includes('%')) return 'must not carry an IPv6 zone id';
  if (isIP(host) !== 0) return undefined;
  const slash = host.indexOf('/');
  if (slash >= 0) {
    const family = isIP(host.slice(0, slash));
    const prefix = host.slice(slash + 1);
    if (family === 0) return 'must be an IP address before the "/" of a CIDR prefix';
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `must have a prefix length of 1..${max}`;
    // /0 would let a quarantined device reach everything: that is not quarantine.
    if (Number(prefix) === 0) return 'must not be a /0 prefix (it would allow every address)';
    return undefined;
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  if (name.length > 253 || !labels.every((l) => LABEL.test(l))) return 'must be an IP address, a CIDR prefix or a DNS name';
  // "10.1.2" is a mistyped address, not a name: a top-level label is never all digits.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return 'must be an IP address, a CIDR prefix or a DNS name';
  return undefined;
}

/** Problems with a policy's list, as `[index].field` paths relative to the list. */
export function quarantineAllowProblems(entries: readonly QuarantineAllow[]): { path: string; reason: string }[] {
  const out: { path: string; reason: string }[] = [];
  entries.forEach((e, i) => {
    const host = quarantineHostProblem(e.host);
    if (host !== undefined) out.push({ path: `[${i}].host`, reason: host });
  });
  return out;
}

/** The remediation page's host, so the device can always open the page it is told to open. */
export function remediationHostEntry(url: string): QuarantineAllow | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : undefined;
  // URL keeps IPv6 literals bracketed; the firewall wants the bare address.
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  // A host the agent could not turn into a rule is left out rather than sent.
  if (port === undefined || quarantineHostProblem(host) !== undefined) return undefined;
  return { host, protocol: 'tcp', ports: [port] };
}

/** The policy's allow list plus the remediation page's host, without repeating an entry. */
export function quarantineAllowFor(policy: Pick<PolicyBody, 'quarantineAllow' | 'remediationUrl'>): QuarantineAllow[] {
  const out = [...(policy.quarantineAllow ?? [])];
  const page = policy.remediationUrl === undefined ? undefined : remediationHostEntry(policy.remediationUrl);
  if (page !== undefined && !out.some((e) => e.host === page.host && e.protocol === page.protocol && e.ports?.length === 1 && e.ports[0] === page.ports?.[0])) out.push(page);
  return out;
}

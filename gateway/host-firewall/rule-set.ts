/**
 * The host-firewall rule set: what a quarantined device may still reach, platform-neutral, so the
 * agent renders it for nftables, Windows Firewall or pf (the renderers beside this file).
 *
 * While isolated the device keeps exactly: the Kenneki PT-TLS server(s), so it can be reassessed
 * and released; DHCP, so it keeps its address; DNS to its resolvers, so names resolve; and the
 * remediation hosts the server sent. Everything else is dropped both ways.
 *
 * Building never throws. An entry that cannot be used (bad address, a name that does not resolve,
 * a port out of range) is left out and reported in `skipped` with its reason; an entry is never
 * widened to make it fit. The one exception is deliberate: a rule set without the server would
 * lock the device in quarantine for good (it could never be reassessed), so when no server
 * address is usable the builder falls back to the last server addresses that worked and, failing
 * those, to "TCP to the server port on any address" (see `serverFallback`).
 */
import { createHash } from 'node:crypto';
import type { QuarantineAllow, Verdict } from '../../policy/decide/policy.js';
import { quarantineHostProblem } from '../../policy/decide/quarantine-allow.js';
import { parseAddress, type ParsedAddress } from './address.js';

/** IANA's port for PT-TLS (RFC 6876), used when no configured server has a valid port. */
export const PT_TLS_PORT = 271;
/** Resolution is bounded: the agent applies quarantine right after the verdict, not after DNS gives up. */
export const RESOLVE_TIMEOUT_MS = 3_000;
/** Every rule lands on every quarantined device; a name resolving to hundreds of addresses is cut here. */
export const MAX_REMEDIATION_RULES = 256;
export const MAX_SERVER_RULES = 16;
export const MAX_DNS = 8;

export type RuleProtocol = 'tcp' | 'udp' | 'any';

export interface ServerRule {
  /** An address; `0.0.0.0/0` / `::/0` only in the any-address fallback. */
  address: string;
  port: number;
  protocol: 'tcp';
}

export interface RemediationRule {
  /** An address or CIDR prefix, IPv4 or IPv6, canonical. */
  address: string;
  protocol: RuleProtocol;
  /** Absent: every port (and, for `any`, every protocol, ICMP included). Sorted, unique. */
  ports?: number[];
}

export interface HostRuleSet {
  mode: 'isolate' | 'open';
  server: ServerRule[];
  /** Resolver addresses (no prefixes). */
  dns: string[];
  /** Always true while isolated: a device that loses its lease loses the server too. */
  dhcp: boolean;
  remediation: RemediationRule[];
}

export interface SkippedEntry {
  kind: 'server' | 'dns' | 'remediation';
  /** The input as given (host, host:port, resolver). */
  value: string;
  reason: string;
}

/** A configured PT-TLS server: a name or an address, and its port. */
export interface ServerEndpoint {
  host: string;
  port: number;
}

export type Resolve = (name: string) => Promise<string[]>;

export interface BuiltRuleSet {
  ruleSet: HostRuleSet;
  skipped: SkippedEntry[];
  /** How the server rules were obtained when none of the given endpoints was usable. */
  serverFallback?: 'known' | 'any-address';
}

export interface BuildOptions {
  resolveTimeoutMs?: number;
  /** Server rules that worked before (the last applied rule set): the first fallback. */
  knownServers?: readonly ServerRule[];
}

export const modeFor = (verdict: Verdict): HostRuleSet['mode'] => (verdict === 'allow' ? 'open' : 'isolate');

const validPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65_535;

async function resolveBounded(resolve: Resolve, name: string, timeoutMs: number): Promise<string[] | { problem: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    const found = await Promise.race([resolve(name), timeout]);
    if (!Array.isArray(found) || found.length === 0) return { problem: 'the name resolved to no address' };
    return found;
  } catch (e) {
    return { problem: `the name did not resolve: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** A host (address, prefix or name) → canonical addresses, or why there are none. */
async function addressesOf(host: string, resolve: Resolve, timeoutMs: number, singleOnly: boolean): Promise<ParsedAddress[] | { problem: string }> {
  if (typeof host !== 'string') return { problem: 'is not a string' };
  const direct = parseAddress(host);
  if (!('problem' in direct)) {
    if (singleOnly && direct.prefix !== (direct.family === 4 ? 32 : 128)) return { problem: 'must be a single address, not a prefix' };
    return [direct];
  }
  // Only a DNS name is looked up; "10.0.0.1/33" is a bad prefix, not a name.
  if (host.includes('/') || host.includes(':') || quarantineHostProblem(host) !== undefined) return { problem: `"${host}" ${direct.problem}` };
  const found = await resolveBounded(resolve, host, timeoutMs);
  if ('problem' in found) return found;
  const out: ParsedAddress[] = [];
  for (const a of found) {
    const p = typeof a === 'string' ? parseAddress(a) : { problem: 'not a string' };
    // A resolver answering with garbage gets no rule for it, and the rest still count.
    if (!('problem' in p) && p.prefix === (p.family === 4 ? 32 : 128)) out.push(p);
  }
  return out.length > 0 ? out : { problem: 'the name resolved to no usable address' };
}

async function buildServers(servers: readonly ServerEndpoint[], resolve: Resolve, timeoutMs: number, skipped: SkippedEntry[]): Promise<ServerRule[]> {
  const out: ServerRule[] = [];
  for (const s of Array.isArray(servers) ? servers : []) {
    const value = `${String(s?.host)}:${String(s?.port)}`;
    if (!validPort(s?.port)) {
      skipped.push({ kind: 'server', value, reason: 'port must be an integer 1..65535' });
      continue;
    }
    const found = await addressesOf(s.host, resolve, timeoutMs, true);
    if ('problem' in found) {
      skipped.push({ kind: 'server', value, reason: found.problem });
      continue;
    }
    for (const a of found) {
      if (out.length >= MAX_SERVER_RULES) {
        skipped.push({ kind: 'server', value: `${a.text}:${s.port}`, reason: `more than ${MAX_SERVER_RULES} server addresses` });
        continue;
      }
      if (!out.some((r) => r.address === a.text && r.port === s.port)) out.push({ address: a.text, port: s.port, protocol: 'tcp' });
    }
  }
  return out;
}

function buildDns(resolvers: readonly string[], skipped: SkippedEntry[]): string[] {
  const out: string[] = [];
  for (const r of Array.isArray(resolvers) ? resolvers : []) {
    const p = typeof r === 'string' ? parseAddress(r) : { problem: 'is not a string' };
    if ('problem' in p || p.prefix !== (p.family === 4 ? 32 : 128)) {
      skipped.push({ kind: 'dns', value: String(r), reason: 'problem' in p ? p.problem : 'must be a single address' });
    } else if (out.length >= MAX_DNS) {
      skipped.push({ kind: 'dns', value: p.text, reason: `more than ${MAX_DNS} resolvers` });
    } else if (!out.includes(p.text)) out.push(p.text);
  }
  return out;
}

async function buildRemediation(allow: readonly QuarantineAllow[], resolve: Resolve, timeoutMs: number, skipped: SkippedEntry[]): Promise<RemediationRule[]> {
  const out: RemediationRule[] = [];
  for (const e of Array.isArray(allow) ? allow : []) {
    if (e === null || typeof e !== 'object') {
      skipped.push({ kind: 'remediation', value: String(e), reason: 'is not an entry' });
      continue;
    }
    const value = String(e.host);
    const protocol = e.protocol ?? 'any';
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'any') {
      skipped.push({ kind: 'remediation', value, reason: `unknown protocol "${String(protocol)}"` });
      continue;
    }
    let ports: number[] | undefined;
    const given: unknown = e.ports;
    if (given !== undefined) {
      // A bad port list is dropped whole: reading it as "every port" would widen the hole.
      if (!Array.isArray(given) || given.length === 0 || !given.every(validPort)) {
        skipped.push({ kind: 'remediation', value, reason: 'ports must be integers 1..65535' });
        continue;
      }
      ports = [...new Set(given as number[])].sort((a, b) => a - b);
    }
    const found = await addressesOf(e.host, resolve, timeoutMs, false);
    if ('problem' in found) {
      skipped.push({ kind: 'remediation', value, reason: found.problem });
      continue;
    }
    for (const a of found) {
      const rule: RemediationRule = ports === undefined ? { address: a.text, protocol } : { address: a.text, protocol, ports };
      const key = JSON.stringify(rule);
      if (out.some((r) => JSON.stringify(r) === key)) continue;
      if (out.length >= MAX_REMEDIATION_RULES) {
        skipped.push({ kind: 'remediation', value: a.text, reason: `more than ${MAX_REMEDIATION_RULES} remediation rules` });
        continue;
      }
      out.push(rule);
    }
  }
  return out;
}

/** The fallback when no server address is known: the PT-TLS port(s) on any address, both families. */
function anyAddressServers(servers: readonly ServerEndpoint[]): ServerRule[] {
  const ports = [...new Set((Array.isArray(servers) ? servers : []).map((s) => s?.port).filter(validPort))];
  return (ports.length > 0 ? ports : [PT_TLS_PORT]).flatMap((port) => [
    { address: '0.0.0.0/0', port, protocol: 'tcp' as const },
    { address: '::/0', port, protocol: 'tcp' as const },
  ]);
}

/**
 * The rule set for a verdict and its allow list. `servers` are the PT-TLS endpoints the agent
 * talks to, `resolvers` the DNS resolvers it uses, `resolve` looks names up (injected: tests).
 */
export async function buildRuleSet(
  rules: { verdict: Verdict; allow: readonly QuarantineAllow[] },
  servers: readonly ServerEndpoint[],
  resolvers: readonly string[],
  resolve: Resolve,
  opts: BuildOptions = {},
): Promise<BuiltRuleSet> {
  const timeoutMs = opts.resolveTimeoutMs ?? RESOLVE_TIMEOUT_MS;
  const skipped: SkippedEntry[] = [];
  // An unknown verdict isolates: missing evidence never means allow.
  const mode = modeFor(rules?.verdict === 'allow' ? 'allow' : 'isolate');
  let server = await buildServers(servers, resolve, timeoutMs, skipped);
  let serverFallback: BuiltRuleSet['serverFallback'];
  if (server.length === 0) {
    const known = checkServers(opts.knownServers ?? []).filter((s) => !isAnyAddress(s.address));
    if (known.length > 0) {
      server = known;
      serverFallback = 'known';
    } else {
      server = anyAddressServers(servers);
      serverFallback = 'any-address';
    }
  }
  const dns = buildDns(resolvers, skipped);
  const remediation = mode === 'isolate' ? await buildRemediation(rules?.allow ?? [], resolve, timeoutMs, skipped) : [];
  const built: BuiltRuleSet = { ruleSet: { mode, server, dns, dhcp: true, remediation }, skipped };
  if (serverFallback !== undefined) built.serverFallback = serverFallback;
  return built;
}

export const isAnyAddress = (a: string): boolean => a === '0.0.0.0/0' || a === '::/0';

function checkServers(list: readonly unknown[]): ServerRule[] {
  const out: ServerRule[] = [];
  for (const s of list) {
    const r = s as Partial<ServerRule> | null;
    if (r === null || typeof r !== 'object' || r.protocol !== 'tcp' || !validPort(r.port) || typeof r.address !== 'string') continue;
    const p = parseAddress(r.address, { allowZeroPrefix: true });
    if ('problem' in p || (p.prefix === 0 ? false : p.prefix !== (p.family === 4 ? 32 : 128))) continue;
    out.push({ address: p.text, port: r.port, protocol: 'tcp' });
  }
  return out;
}

/**
 * A rule set read back from disk (the agent's state file), checked as strictly as a built one:
 * a tampered or truncated file must never put anything but addresses into a script.
 */
export function checkRuleSet(value: unknown): { ruleSet: HostRuleSet } | { problem: string } {
  if (value === null || typeof value !== 'object') return { problem: 'not an object' };
  const v = value as Record<string, unknown>;
  if (v.mode !== 'isolate' && v.mode !== 'open') return { problem: 'mode must be isolate or open' };
  if (!Array.isArray(v.server) || !Array.isArray(v.dns) || !Array.isArray(v.remediation)) return { problem: 'server, dns and remediation must be lists' };
  const server = checkServers(v.server);
  if (server.length !== v.server.length) return { problem: 'a server rule is invalid' };
  if (v.mode === 'isolate' && server.length === 0) return { problem: 'an isolating rule set must name the server' };
  const skipped: SkippedEntry[] = [];
  const dns = buildDns(v.dns as string[], skipped);
  if (skipped.length > 0) return { problem: `a resolver is invalid: ${skipped[0]?.reason}` };
  const remediation: RemediationRule[] = [];
  for (const raw of v.remediation as unknown[]) {
    const r = raw as Partial<RemediationRule> | null;
    if (r === null || typeof r !== 'object' || typeof r.address !== 'string') return { problem: 'a remediation rule is invalid' };
    const p = parseAddress(r.address);
    if ('problem' in p) return { problem: `remediation address ${p.problem}` };
    if (r.protocol !== 'tcp' && r.protocol !== 'udp' && r.protocol !== 'any') return { problem: 'a remediation protocol is invalid' };
    const rawPorts: unknown = r.ports;
    if (rawPorts !== undefined && (!Array.isArray(rawPorts) || rawPorts.length === 0 || !rawPorts.every(validPort))) return { problem: 'a remediation port is invalid' };
    const ports = rawPorts === undefined ? undefined : [...new Set(rawPorts as number[])].sort((a, b) => a - b);
    remediation.push(ports === undefined ? { address: p.text, protocol: r.protocol } : { address: p.text, protocol: r.protocol, ports });
  }
  if (remediation.length > MAX_REMEDIATION_RULES) return { problem: 'too many remediation rules' };
  return { ruleSet: { mode: v.mode, server, dns, dhcp: true, remediation } };
}

/** Short, stable id of a rule set: written into the live rules so `status` can tell they are ours and current. */
export function ruleSetFingerprint(rs: HostRuleSet): string {
  const canonical = JSON.stringify({ mode: rs.mode, server: rs.server, dns: rs.dns, dhcp: rs.dhcp, remediation: rs.remediation });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Remediation rules grouped by what they allow (protocol + ports), in first-seen order: one address set per group. */
export function remediationGroups(rs: HostRuleSet): { protocol: RuleProtocol; ports?: number[]; v4: string[]; v6: string[] }[] {
  const groups = new Map<string, { protocol: RuleProtocol; ports?: number[]; v4: string[]; v6: string[] }>();
  for (const r of rs.remediation) {
    const key = `${r.protocol}|${r.ports?.join(',') ?? '*'}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = r.ports === undefined ? { protocol: r.protocol, v4: [], v6: [] } : { protocol: r.protocol, ports: r.ports, v4: [], v6: [] };
      groups.set(key, g);
    }
    (r.address.includes(':') ? g.v6 : g.v4).push(r.address);
  }
  return [...groups.values()];
}

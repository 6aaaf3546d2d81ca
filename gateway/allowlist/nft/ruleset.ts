/**
 * The gateway's allow-list as one nft table of its own (family inet), rendered whole.
 *
 * The verdicts live in sets, not rules: a verdict change is a set element moving (delta.ts), the
 * rules never change between policy updates, and the kernel looks an address up in one hash probe
 * however many endpoints there are.
 *
 * Every value that reaches the script is validated and rewritten to its canonical form here first.
 * Canonical means "the way `nft list` prints it back", so table-state.ts can compare what the
 * kernel holds with what we wrote, string for string. A value that fails validation throws naming
 * the field: nothing the policy server sends can add a token to the script.
 *
 * The `add table` / `delete table` / `table { ... }` opening replaces the table in one transaction
 * whether or not it exists: the kernel never forwards a packet through a half-built allow-list,
 * and tables of other owners are never named.
 */
import type { AccessClass, AllowlistEntry, GatewayLocal, GatewayPolicy, GatewayService } from '../contract.js';

export const NFT_FAMILY = 'inet';

/** Set names, as the rules and the delta refer to them. */
export const SET_CLIENTS = 'clients';
export const SET_ALLOWED = 'allowed';
export const SET_ALLOWED_L2 = 'allowed_l2';
export const SET_QUARANTINED = 'quarantined';
export const SET_DENIED = 'denied';
export const SET_REMEDIATION = 'remediation';
export const SET_SERVICES = 'services';
export const SET_DIRECT_IFACES = 'direct_ifaces';

/** The sets an entry's verdict moves it between; the others change only with a full replace. */
export const ENTRY_SETS = [SET_ALLOWED, SET_ALLOWED_L2, SET_QUARANTINED, SET_DENIED] as const;
export type EntrySet = (typeof ENTRY_SETS)[number];

/** Named counters, readable for metrics (table-state.ts parseCounters). */
export const COUNTER_QUARANTINE_REFUSED = 'quarantine_refused';
export const COUNTER_DENIED_REFUSED = 'denied_refused';
export const COUNTER_TO_QUARANTINED_REFUSED = 'to_quarantined_refused';
export const COUNTER_GATEWAY_REFUSED = 'gateway_refused';
export const COUNTERS = [COUNTER_QUARANTINE_REFUSED, COUNTER_DENIED_REFUSED, COUNTER_TO_QUARANTINED_REFUSED, COUNTER_GATEWAY_REFUSED] as const;

/** Elements per line: nft 1.0.6 takes 100,000 in one statement, but error positions stay readable. */
export const ELEMENTS_PER_LINE = 4096;

// ---------------------------------------------------------------------------------------------
// Validation and canonical forms

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// No leading zeros: "010.0.0.1" is octal to some parsers and decimal to others.
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const IFNAME = /^[A-Za-z0-9._-]{1,15}$/;
// nft lexes a leading digit as a number, so a table name must start with a letter.
const TABLE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

function invalid(field: string, value: unknown): Error {
  return new Error(`allow-list: invalid ${field}: ${JSON.stringify(value)}`);
}

export function checkIpv4(field: string, value: unknown): string {
  if (typeof value !== 'string' || !IPV4.test(value)) throw invalid(field, value);
  return value;
}

/** Lower-case, as nft prints it. */
export function checkMac(field: string, value: unknown): string {
  if (typeof value !== 'string' || !MAC.test(value)) throw invalid(field, value);
  return value.toLowerCase();
}

export function checkIfname(field: string, value: unknown): string {
  if (typeof value !== 'string' || !IFNAME.test(value)) throw invalid(field, value);
  return value;
}

export function checkTable(field: string, value: unknown): string {
  if (typeof value !== 'string' || !TABLE.test(value)) throw invalid(field, value);
  return value;
}

export function checkPort(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw invalid(field, value);
  return value;
}

const ACCESS: ReadonlySet<unknown> = new Set<AccessClass>(['allowed', 'quarantined', 'denied']);

/** A validated copy: MAC lower-cased, no stray properties. */
export function checkEntry(entry: AllowlistEntry, field = 'entry'): AllowlistEntry {
  if (typeof entry !== 'object' || entry === null) throw invalid(field, entry);
  const ip = checkIpv4(`${field}.ip`, entry.ip);
  if (!ACCESS.has(entry.access)) throw invalid(`${field}.access`, entry.access);
  if (entry.mac === undefined) return { ip, access: entry.access };
  return { ip, mac: checkMac(`${field}.mac`, entry.mac), access: entry.access };
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function numberToIp(n: number): string {
  return [Math.floor(n / 16777216) % 256, Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256].join('.');
}

/** An inclusive range of IPv4 addresses, as numbers. */
type Interval = [number, number];

/** An address or CIDR as a range; host bits of a CIDR are cleared, as nft itself does. */
export function checkCidr(field: string, value: unknown): Interval {
  if (typeof value !== 'string') throw invalid(field, value);
  const slash = value.indexOf('/');
  const addr = slash < 0 ? value : value.slice(0, slash);
  if (!IPV4.test(addr)) throw invalid(field, value);
  let len = 32;
  if (slash >= 0) {
    const l = value.slice(slash + 1);
    if (!/^(?:[12]?\d|3[0-2])$/.test(l)) throw invalid(field, value);
    len = Number(l);
  }
  const size = 2 ** (32 - len);
  const lo = Math.floor(ipToNumber(addr) / size) * size;
  return [lo, lo + size - 1];
}

/** Sorted, with overlapping and adjacent ranges merged: what an auto-merge interval set holds. */
export function mergeIntervals(intervals: Iterable<Interval>): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Interval[] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** How `nft list` prints an interval element: an address, a prefix when the range is one, else a range. */
export function intervalElement([lo, hi]: Interval): string {
  if (lo === hi) return numberToIp(lo);
  const size = hi - lo + 1;
  const len = 32 - Math.log2(size);
  if (Number.isInteger(len) && lo % size === 0) return `${numberToIp(lo)}/${len}`;
  return `${numberToIp(lo)}-${numberToIp(hi)}`;
}

export const ipElement = (ip: string): string => ip;
export const l2Element = (ip: string, mac: string): string => `${ip} . ${mac}`;
export const serviceElement = (s: GatewayService): string => `${s.ip} . ${s.proto} . ${s.port}`;
/** Quoted: the quotes are part of the canonical form, and the validated name cannot contain one. */
export const ifnameElement = (name: string): string => `"${name}"`;

/** The entry-set elements one (validated) entry contributes. */
export function entryElements(entry: AllowlistEntry): [EntrySet, string][] {
  switch (entry.access) {
    case 'allowed':
      // Both: the IP-only set serves routed and VPN segments, the IP+MAC set directly attached ones.
      return entry.mac === undefined ? [[SET_ALLOWED, ipElement(entry.ip)]] : [[SET_ALLOWED, ipElement(entry.ip)], [SET_ALLOWED_L2, l2Element(entry.ip, entry.mac)]];
    case 'quarantined':
      return [[SET_QUARANTINED, ipElement(entry.ip)]];
    case 'denied':
      return [[SET_DENIED, ipElement(entry.ip)]];
  }
}

/** Everything the table holds that comes from inputs, validated and canonical. */
export interface TableContents {
  table: string;
  /** Set name → canonical elements, in render order. */
  sets: Map<string, string[]>;
  portalRedirectPort: number | undefined;
  portalRedirectAddress: string | undefined;
}

function checkService(s: GatewayService, field: string): GatewayService {
  if (typeof s !== 'object' || s === null) throw invalid(field, s);
  if (s.proto !== 'tcp' && s.proto !== 'udp') throw invalid(`${field}.proto`, s.proto);
  return { ip: checkIpv4(`${field}.ip`, s.ip), proto: s.proto, port: checkPort(`${field}.port`, s.port) };
}

const byAddress = (a: string, b: string): number => ipToNumber(a.split(' ')[0] ?? '') - ipToNumber(b.split(' ')[0] ?? '') || (a < b ? -1 : a > b ? 1 : 0);

/** Validates every input and gives each set its canonical, sorted, de-duplicated elements. */
export function tableContents(local: GatewayLocal, policy: GatewayPolicy, entries: Iterable<AllowlistEntry>): TableContents {
  const table = checkTable('local.table', local.table);
  const port = local.portalRedirectPort === undefined ? undefined : checkPort('local.portalRedirectPort', local.portalRedirectPort);
  const address = local.portalRedirectAddress === undefined ? undefined : checkIpv4('local.portalRedirectAddress', local.portalRedirectAddress);
  const clients = mergeIntervals(local.clientNetworks.map((c, i) => checkCidr(`local.clientNetworks[${i}]`, c))).map(intervalElement);
  const ifaces = [...new Set(local.directInterfaces.map((n, i) => checkIfname(`local.directInterfaces[${i}]`, n)))].sort().map(ifnameElement);
  const remediation = mergeIntervals(policy.remediation.map((c, i) => checkCidr(`policy.remediation[${i}]`, c))).map(intervalElement);
  const services = [...new Set(policy.services.map((s, i) => serviceElement(checkService(s, `policy.services[${i}]`))))].sort(byAddress);
  const bySet = new Map<EntrySet, Set<string>>(ENTRY_SETS.map((s) => [s, new Set<string>()]));
  // One entry per address: the last one given wins, as in the applier's Map.
  const perIp = new Map<string, AllowlistEntry>();
  let i = 0;
  for (const e of entries) {
    const entry = checkEntry(e, `entries[${i++}]`);
    perIp.set(entry.ip, entry);
  }
  for (const entry of perIp.values()) for (const [set, el] of entryElements(entry)) bySet.get(set)?.add(el);
  const sets = new Map<string, string[]>([
    [SET_CLIENTS, clients],
    ...ENTRY_SETS.map((s): [string, string[]] => [s, [...(bySet.get(s) ?? [])].sort(byAddress)]),
    [SET_REMEDIATION, remediation],
    [SET_SERVICES, services],
    [SET_DIRECT_IFACES, ifaces],
  ]);
  return { table, sets, portalRedirectPort: port, portalRedirectAddress: address };
}

// ---------------------------------------------------------------------------------------------
// Rendering

const SET_TYPES: Record<string, { type: string; interval: boolean }> = {
  [SET_CLIENTS]: { type: 'ipv4_addr', interval: true },
  [SET_ALLOWED]: { type: 'ipv4_addr', interval: false },
  [SET_ALLOWED_L2]: { type: 'ipv4_addr . ether_addr', interval: false },
  [SET_QUARANTINED]: { type: 'ipv4_addr', interval: false },
  [SET_DENIED]: { type: 'ipv4_addr', interval: false },
  [SET_REMEDIATION]: { type: 'ipv4_addr', interval: true },
  [SET_SERVICES]: { type: 'ipv4_addr . inet_proto . inet_service', interval: false },
  [SET_DIRECT_IFACES]: { type: 'ifname', interval: false },
};

/** Elements in lines of ELEMENTS_PER_LINE; never called with none (`{ }` is a syntax error in nft). */
export function chunk<T>(items: readonly T[], size = ELEMENTS_PER_LINE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function renderSet(name: string, elements: string[]): string[] {
  const t = SET_TYPES[name];
  if (!t) throw new Error(`allow-list: unknown set ${name}`);
  const lines = [`\tset ${name} {`, `\t\ttype ${t.type}`];
  // auto-merge: the renderer already merges, this keeps a hand-added overlap from failing a replace.
  if (t.interval) lines.push('\t\tflags interval', '\t\tauto-merge');
  if (elements.length > 0) lines.push(`\t\telements = { ${chunk(elements).map((c) => c.join(', ')).join(',\n\t\t\t')} }`);
  lines.push('\t}');
  return lines;
}

/** Allowed sources: IP+MAC on directly attached segments (a spoofed IP alone is not enough), IP elsewhere. */
const ALLOWED_SOURCE = [
  `iifname @${SET_DIRECT_IFACES} ip saddr . ether saddr @${SET_ALLOWED_L2} return`,
  `iifname != @${SET_DIRECT_IFACES} ip saddr @${SET_ALLOWED} return`,
];
const TO_SERVICE = `ip daddr . meta l4proto . th dport @${SET_SERVICES}`;

export interface ChainSpec {
  name: string;
  /** Base chains only: `type ... hook ... priority ...; policy accept;`. */
  base?: string;
  rules: string[];
}

/** The chains and their rules; rule counts are what table-state.ts expects to find live. */
export function chainSpecs(portalRedirectPort: number | undefined, portalRedirectAddress?: string): ChainSpec[] {
  const chains: ChainSpec[] = [
    {
      name: 'forward',
      // Policy accept and priority filter - 10: this table only confines client networks; traffic
      // it does not judge is left to the host's own firewall, which runs after it.
      base: 'type filter hook forward priority filter - 10; policy accept;',
      rules: [
        // Replies into client networks. Not the other way: an established flow FROM a client that
        // has since been quarantined must be cut now, so client sources always go to from_client.
        `ct state established,related ip daddr @${SET_CLIENTS} accept`,
        `ip saddr @${SET_CLIENTS} jump from_client`,
        // A client source that returned from from_client comes here too: client to client checks both ends.
        `ip daddr @${SET_CLIENTS} jump to_client`,
        // IPv6 is not allow-listed: from a direct segment it would bypass every check, so fail closed.
        `meta nfproto ipv6 iifname @${SET_DIRECT_IFACES} counter drop`,
      ],
    },
    {
      name: 'from_client',
      rules: [
        `ip saddr @${SET_DENIED} jump denied_src`,
        // Return, not accept: the destination may itself be a quarantined client (to_client).
        ...ALLOWED_SOURCE,
        // Everything below is the quarantine, and also what an unknown address gets: no entry
        // needed for a host to be confined (static-IP bypass of the DHCP method).
        `ip daddr @${SET_REMEDIATION} accept`,
        `${TO_SERVICE} accept`,
        `counter name ${COUNTER_QUARANTINE_REFUSED}`,
        // Refuse rather than drop, so browsers and agents fail at once instead of timing out.
        'meta l4proto tcp reject with tcp reset',
        'reject with icmpx type admin-prohibited',
      ],
    },
    {
      name: 'denied_src',
      // Denied hosts may still reach Kenneki's services to learn why; nothing else, silently.
      rules: [`${TO_SERVICE} accept`, `counter name ${COUNTER_DENIED_REFUSED}`, 'drop'],
    },
    {
      name: 'to_client',
      // A new connection into a client: only allowed hosts take them, except from remediation
      // (which may push fixes to a quarantined host).
      rules: [`ip daddr @${SET_ALLOWED} return`, `ip saddr @${SET_REMEDIATION} return`, `counter name ${COUNTER_TO_QUARANTINED_REFUSED}`, 'drop'],
    },
    {
      name: 'input',
      base: 'type filter hook input priority filter - 10; policy accept;',
      rules: [`ip saddr @${SET_CLIENTS} jump client_to_gateway`],
    },
    {
      name: 'client_to_gateway',
      // The gateway itself is a destination too: quarantined hosts get DHCP, Kenneki's services,
      // the redirector and ping, not the gateway's SSH or management ports.
      rules: [
        'ct state established,related return',
        ...ALLOWED_SOURCE,
        'udp dport 67 return',
        `${TO_SERVICE} return`,
        ...(portalRedirectPort === undefined ? [] : [`tcp dport ${portalRedirectPort} return`]),
        'icmp type echo-request return',
        `counter name ${COUNTER_GATEWAY_REFUSED}`,
        'drop',
      ],
    },
  ];
  if (portalRedirectPort === undefined) return chains;
  chains.push(
    {
      name: 'prerouting',
      // dstnat - 10: before any NAT of the host, so the redirect sees the client's own destination.
      base: 'type nat hook prerouting priority dstnat - 10; policy accept;',
      rules: [`ip saddr @${SET_CLIENTS} tcp dport 80 jump portal_redirect`],
    },
    {
      name: 'portal_redirect',
      // Only plain HTTP that the forward chain would refuse anyway is redirected to the portal.
      rules: [
        ...ALLOWED_SOURCE,
        `ip daddr @${SET_REMEDIATION} return`,
        `${TO_SERVICE} return`,
        // The l4proto match lets nft accept a port mapping in a chain entered by jump. `redirect`
        // rewrites to the incoming interface's own IPv4 address, and drops the packet when it has
        // none: a VPN concentrator's tunnel device (strongSwan's ipsec0, XFRM interfaces) usually
        // has none, hence a DNAT to one of the gateway's addresses when one is given.
        portalRedirectAddress === undefined ? `meta l4proto tcp redirect to :${portalRedirectPort}` : `meta l4proto tcp dnat ip to ${portalRedirectAddress}:${portalRedirectPort}`,
      ],
    },
  );
  return chains;
}

function renderChain(c: ChainSpec): string[] {
  return [`\tchain ${c.name} {`, ...(c.base ? [`\t\t${c.base}`] : []), ...c.rules.map((r) => `\t\t${r}`), '\t}'];
}

/** The complete `nft -f -` script that replaces the table atomically. */
export function renderTable(local: GatewayLocal, policy: GatewayPolicy, entries: Iterable<AllowlistEntry>): string {
  const c = tableContents(local, policy, entries);
  const t = `${NFT_FAMILY} ${c.table}`;
  const body = [
    ...COUNTERS.map((n) => `\tcounter ${n} {}`),
    ...[...c.sets].flatMap(([name, elements]) => renderSet(name, elements)),
    ...chainSpecs(c.portalRedirectPort, c.portalRedirectAddress).flatMap(renderChain),
  ];
  return [
    `# Kenneki gateway allow-list, generated: do not edit (changes are reverted by reconcile).`,
    // Declaring first makes the delete succeed when the table does not exist yet.
    `add table ${t}`,
    `delete table ${t}`,
    `table ${t} {`,
    ...body,
    '}',
    '',
  ].join('\n');
}

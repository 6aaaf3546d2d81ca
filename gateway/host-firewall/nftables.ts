/**
 * Linux: the rule set as one `nft -f` script for a table of our own, `inet kenneki_agent`.
 *
 * The script declares, deletes and re-creates the table in one transaction, so it applies whether
 * or not the table exists and the kernel never sees a half-written rule set; other owners' tables
 * are never named. `open` is the same without the re-creation: the table goes, nothing else.
 *
 * A packet must pass every base chain on a hook, so our `policy drop` holds whatever accepts
 * other tables have; what we accept, another table may still drop (that is not ours to change).
 *
 * Direction by direction, while isolated:
 * - output: only the listed destinations (server TCP port, resolvers on 53, remediation hosts per
 *   protocol/ports), DHCP/DHCPv6 requests (broadcast included: the destination is not matched),
 *   IPv6 neighbour discovery and MLD, ICMP errors related to tracked flows, loopback. There is no
 *   blanket "established" accept here on purpose: a connection opened before quarantine (say to a
 *   file server) is cut at once instead of living on as established.
 * - input: replies to flows we opened (`ct direction reply`), ICMP errors related to them, DHCP
 *   replies (an OFFER answers a broadcast, so conntrack never sees it as a reply), neighbour
 *   discovery, loopback. A new connection from anywhere is dropped, and so are packets of
 *   connections others opened to us before quarantine.
 * - forward: dropped, so containers or VMs routed through the device are quarantined with it.
 */
import { isAnyAddress, remediationGroups, ruleSetFingerprint, type HostRuleSet, type RuleProtocol } from './rule-set.js';

export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'kenneki_agent';
/** Written as the comment of the first output rule: how `status` tells the live table is the one applied. */
export const nftMarker = (rs: HostRuleSet): string => `kenneki:${ruleSetFingerprint(rs)}`;

interface Chains {
  sets: string[];
  output: string[];
  input: string[];
  forward: string[];
}

const list = (items: readonly (string | number)[]): string => (items.length === 1 ? String(items[0]) : `{ ${items.join(', ')} }`);

function addressSet(name: string, type: 'ipv4_addr' | 'ipv6_addr', elements: string[], interval: boolean): string {
  const lines = [`\tset ${name} {`, `\t\ttype ${type}`];
  if (interval) lines.push('\t\tflags interval', '\t\tauto-merge');
  lines.push(`\t\telements = { ${elements.join(', ')} }`, '\t}');
  return lines.join('\n');
}

/** What a remediation group allows once its destination matched. */
function matchFor(protocol: RuleProtocol, ports: number[] | undefined): string {
  if (ports === undefined) return protocol === 'any' ? '' : ` meta l4proto ${protocol}`;
  if (protocol === 'any') return ` meta l4proto { tcp, udp } th dport ${list(ports)}`;
  return ` ${protocol} dport ${list(ports)}`;
}

function chains(rs: HostRuleSet): Chains {
  const sets: string[] = [];
  const output = [
    `oifname "lo" accept comment "${nftMarker(rs)}"`,
    'ct state related meta l4proto { icmp, ipv6-icmp } accept',
    'udp sport 68 udp dport 67 accept',
    'udp sport 546 udp dport 547 accept',
    'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } accept',
  ];
  const input = [
    'iifname "lo" accept',
    // Before the invalid drop: conntrack does not track neighbour discovery.
    'icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
    'ct state invalid drop',
    'ct state established ct direction reply accept',
    'ct state related accept',
    'udp sport 67 udp dport 68 accept',
    'udp sport 547 udp dport 546 accept',
  ];
  const dns4 = rs.dns.filter((a) => !a.includes(':'));
  const dns6 = rs.dns.filter((a) => a.includes(':'));
  if (dns4.length > 0) {
    sets.push(addressSet('dns_v4', 'ipv4_addr', dns4, false));
    output.push('ip daddr @dns_v4 meta l4proto { tcp, udp } th dport 53 accept');
  }
  if (dns6.length > 0) {
    sets.push(addressSet('dns_v6', 'ipv6_addr', dns6, false));
    output.push('ip6 daddr @dns_v6 meta l4proto { tcp, udp } th dport 53 accept');
  }
  for (const s of rs.server) {
    const v6 = s.address.includes(':');
    const dest = isAnyAddress(s.address) ? `meta nfproto ${v6 ? 'ipv6' : 'ipv4'}` : `${v6 ? 'ip6' : 'ip'} daddr ${s.address}`;
    output.push(`${dest} tcp dport ${s.port} accept`);
  }
  remediationGroups(rs).forEach((g, i) => {
    const match = matchFor(g.protocol, g.ports);
    for (const [family, addrs] of [['v4', g.v4], ['v6', g.v6]] as const) {
      if (addrs.length === 0) continue;
      const name = `remediation_${i + 1}_${family}`;
      sets.push(addressSet(name, family === 'v4' ? 'ipv4_addr' : 'ipv6_addr', addrs, true));
      output.push(`${family === 'v4' ? 'ip' : 'ip6'} daddr @${name}${match} accept`);
    }
  });
  return { sets, output, input, forward: [] };
}

/** Rules the isolating table holds (0 when open): what `status` expects to find live. */
export function nftRuleCount(rs: HostRuleSet): number {
  if (rs.mode === 'open') return 0;
  const c = chains(rs);
  return c.output.length + c.input.length + c.forward.length;
}

function chain(name: string, hook: string, rules: string[]): string {
  return [`\tchain ${name} {`, `\t\ttype filter hook ${hook} priority filter; policy drop;`, ...rules.map((r) => `\t\t${r}`), '\t}'].join('\n');
}

/** The complete `nft -f` script. */
export function renderNftables(rs: HostRuleSet): string {
  const head = [
    '#!/usr/sbin/nft -f',
    `# Kenneki quarantine (${rs.mode}), generated by kenneki-agent: do not edit. Rule set ${ruleSetFingerprint(rs)}.`,
    // Declaring first makes the delete succeed when the table does not exist yet.
    `table ${NFT_FAMILY} ${NFT_TABLE} {}`,
    `delete table ${NFT_FAMILY} ${NFT_TABLE}`,
  ];
  if (rs.mode === 'open') return `${head.join('\n')}\n`;
  const c = chains(rs);
  const body = [...c.sets, chain('output', 'output', c.output), chain('input', 'input', c.input), chain('forward', 'forward', c.forward)];
  return `${[...head, `table ${NFT_FAMILY} ${NFT_TABLE} {`, body.join('\n'), '}'].join('\n')}\n`;
}

/** Exact text: the script is the contract with the kernel, so any change shows here. */
import { describe, expect, test } from 'vitest';
import type { AllowlistEntry, GatewayLocal, GatewayPolicy } from '../contract.js';
import { chainSpecs, renderTable, tableContents } from './ruleset.js';

const LOCAL: GatewayLocal = { table: 'kenneki_gw', clientNetworks: ['10.20.0.0/25', '10.20.0.128/25', '192.168.7.9/24'], directInterfaces: ['eth1', 'br-lan.10'], portalRedirectPort: 8081 };
const POLICY: GatewayPolicy = {
  remediation: ['10.9.0.5', '10.8.0.0/16'],
  services: [
    { ip: '10.0.0.10', proto: 'tcp', port: 271 },
    { ip: '10.0.0.53', proto: 'udp', port: 53 },
  ],
};
const ENTRIES: AllowlistEntry[] = [
  { ip: '10.20.0.7', mac: '02:AA:bb:cc:dd:ee', access: 'allowed' },
  { ip: '10.20.0.3', access: 'allowed' },
  { ip: '10.20.0.9', access: 'quarantined' },
  { ip: '10.20.0.66', access: 'denied' },
];

describe('renderTable', () => {
  test('replaces the table in one script; networks merged, MAC lower-cased, portal redirect present', () => {
    expect(renderTable(LOCAL, POLICY, ENTRIES)).toBe(`# Kenneki gateway allow-list, generated: do not edit (changes are reverted by reconcile).
add table inet kenneki_gw
delete table inet kenneki_gw
table inet kenneki_gw {
	counter quarantine_refused {}
	counter denied_refused {}
	counter to_quarantined_refused {}
	counter gateway_refused {}
	set clients {
		type ipv4_addr
		flags interval
		auto-merge
		elements = { 10.20.0.0/24, 192.168.7.0/24 }
	}
	set allowed {
		type ipv4_addr
		elements = { 10.20.0.3, 10.20.0.7 }
	}
	set allowed_l2 {
		type ipv4_addr . ether_addr
		elements = { 10.20.0.7 . 02:aa:bb:cc:dd:ee }
	}
	set quarantined {
		type ipv4_addr
		elements = { 10.20.0.9 }
	}
	set denied {
		type ipv4_addr
		elements = { 10.20.0.66 }
	}
	set remediation {
		type ipv4_addr
		flags interval
		auto-merge
		elements = { 10.8.0.0/16, 10.9.0.5 }
	}
	set services {
		type ipv4_addr . inet_proto . inet_service
		elements = { 10.0.0.10 . tcp . 271, 10.0.0.53 . udp . 53 }
	}
	set direct_ifaces {
		type ifname
		elements = { "br-lan.10", "eth1" }
	}
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		ct state established,related ip daddr @clients accept
		ip saddr @clients jump from_client
		ip daddr @clients jump to_client
		meta nfproto ipv6 iifname @direct_ifaces counter drop
	}
	chain from_client {
		ip saddr @denied jump denied_src
		iifname @direct_ifaces ip saddr . ether saddr @allowed_l2 return
		iifname != @direct_ifaces ip saddr @allowed return
		ip daddr @remediation accept
		ip daddr . meta l4proto . th dport @services accept
		counter name quarantine_refused
		meta l4proto tcp reject with tcp reset
		reject with icmpx type admin-prohibited
	}
	chain denied_src {
		ip daddr . meta l4proto . th dport @services accept
		counter name denied_refused
		drop
	}
	chain to_client {
		ip daddr @allowed return
		ip saddr @remediation return
		counter name to_quarantined_refused
		drop
	}
	chain input {
		type filter hook input priority filter - 10; policy accept;
		ip saddr @clients jump client_to_gateway
	}
	chain client_to_gateway {
		ct state established,related return
		iifname @direct_ifaces ip saddr . ether saddr @allowed_l2 return
		iifname != @direct_ifaces ip saddr @allowed return
		udp dport 67 return
		ip daddr . meta l4proto . th dport @services return
		tcp dport 8081 return
		icmp type echo-request return
		counter name gateway_refused
		drop
	}
	chain prerouting {
		type nat hook prerouting priority dstnat - 10; policy accept;
		ip saddr @clients tcp dport 80 jump portal_redirect
	}
	chain portal_redirect {
		iifname @direct_ifaces ip saddr . ether saddr @allowed_l2 return
		iifname != @direct_ifaces ip saddr @allowed return
		ip daddr @remediation return
		ip daddr . meta l4proto . th dport @services return
		meta l4proto tcp redirect to :8081
	}
}
`);
  });

  test('empty sets declare no elements (nft rejects `{ }`), and no portal port means no nat chains', () => {
    const text = renderTable({ table: 'empty', clientNetworks: [], directInterfaces: [] }, { remediation: [], services: [] }, []);
    expect(text).not.toMatch(/elements/);
    expect(text).not.toMatch(/prerouting|portal_redirect|redirect|tcp dport \d+ return/);
    expect(text).toMatch(/set allowed \{\n\t\ttype ipv4_addr\n\t\}/);
  });

  test('with a redirect address, HTTP is DNATed to it (a tunnel device has no address for `redirect`); a bad one is refused', () => {
    const text = renderTable({ table: 't', clientNetworks: ['10.9.0.0/24'], directInterfaces: [], portalRedirectPort: 8081, portalRedirectAddress: '10.0.0.1' }, { remediation: [], services: [] }, []);
    expect(text).toContain('meta l4proto tcp dnat ip to 10.0.0.1:8081');
    expect(text).not.toContain('redirect to');
    expect(() => renderTable({ table: 't', clientNetworks: [], directInterfaces: [], portalRedirectPort: 8081, portalRedirectAddress: '10.0.0.1; flush ruleset' }, { remediation: [], services: [] }, [])).toThrow(/portalRedirectAddress/);
  });

  test('the last entry for an address wins', () => {
    const c = tableContents(LOCAL, POLICY, [
      { ip: '10.20.0.1', access: 'allowed' },
      { ip: '10.20.0.1', access: 'denied' },
    ]);
    expect(c.sets.get('allowed')).toEqual([]);
    expect(c.sets.get('denied')).toEqual(['10.20.0.1']);
  });

  test.each([
    [['10.0.0.0/25', '10.0.0.128/25'], ['10.0.0.0/24']],
    [['10.0.0.1', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6'], ['10.0.0.1-10.0.0.6']],
    [['10.0.0.5/24', '10.0.0.0/16'], ['10.0.0.0/16']],
    [['0.0.0.0/0', '10.0.0.1'], ['0.0.0.0/0']],
    [['255.255.255.255/32', '10.0.0.9/32'], ['10.0.0.9', '255.255.255.255']],
  ])('interval set %j is written as nft prints it back: %j', (remediation, expected) => {
    expect(tableContents(LOCAL, { remediation, services: [] }, []).sets.get('remediation')).toEqual(expected);
  });

  test('rule counts: the portal port adds one gateway rule and the two nat chains', () => {
    const count = (p: number | undefined): Record<string, number> => Object.fromEntries(chainSpecs(p).map((c) => [c.name, c.rules.length]));
    expect(count(undefined)).toEqual({ forward: 4, from_client: 8, denied_src: 3, to_client: 4, input: 1, client_to_gateway: 8 });
    expect(count(80)).toEqual({ forward: 4, from_client: 8, denied_src: 3, to_client: 4, input: 1, client_to_gateway: 9, prerouting: 1, portal_redirect: 5 });
  });
});

describe('validation: a bad value throws naming the field, and never reaches the script', () => {
  const bad: [string, GatewayLocal, GatewayPolicy, AllowlistEntry[], RegExp][] = [
    ['table with a space', { ...LOCAL, table: 'a b' }, POLICY, [], /local\.table: "a b"/],
    ['table with a brace', { ...LOCAL, table: 'x}' }, POLICY, [], /local\.table/],
    ['table starting with a digit', { ...LOCAL, table: '1abc' }, POLICY, [], /local\.table/],
    ['table too long', { ...LOCAL, table: 'a'.repeat(33) }, POLICY, [], /local\.table/],
    ['client network with host octet 256', { ...LOCAL, clientNetworks: ['10.0.0.256/24'] }, POLICY, [], /local\.clientNetworks\[0\]/],
    ['client network prefix 33', { ...LOCAL, clientNetworks: ['10.0.0.0/33'] }, POLICY, [], /local\.clientNetworks\[0\]/],
    ['client network IPv6', { ...LOCAL, clientNetworks: ['2001:db8::/32'] }, POLICY, [], /local\.clientNetworks\[0\]/],
    ['interface with a quote', { ...LOCAL, directInterfaces: ['eth0" accept'] }, POLICY, [], /local\.directInterfaces\[0\]/],
    ['interface of 16 characters', { ...LOCAL, directInterfaces: ['abcdefghijklmnop'] }, POLICY, [], /local\.directInterfaces\[0\]/],
    ['portal port 0', { ...LOCAL, portalRedirectPort: 0 }, POLICY, [], /local\.portalRedirectPort: 0/],
    ['portal port 65536', { ...LOCAL, portalRedirectPort: 65536 }, POLICY, [], /local\.portalRedirectPort/],
    ['remediation with a statement', LOCAL, { ...POLICY, remediation: ['10.0.0.1 } ; flush ruleset'] }, [], /policy\.remediation\[0\]/],
    ['service protocol sctp', LOCAL, { ...POLICY, services: [{ ip: '10.0.0.1', proto: 'sctp' as 'tcp', port: 1 }] }, [], /policy\.services\[0\]\.proto: "sctp"/],
    ['service port 1.5', LOCAL, { ...POLICY, services: [{ ip: '10.0.0.1', proto: 'tcp', port: 1.5 }] }, [], /policy\.services\[0\]\.port/],
    ['entry IP with leading zero', LOCAL, POLICY, [{ ip: '10.0.0.01', access: 'allowed' }], /entries\[0\]\.ip: "10\.0\.0\.01"/],
    ['entry IP with trailing text', LOCAL, POLICY, [{ ip: '10.0.0.1, 0.0.0.0/0', access: 'allowed' }], /entries\[0\]\.ip/],
    ['entry MAC with dashes', LOCAL, POLICY, [{ ip: '10.0.0.1', mac: '02-00-00-00-00-01', access: 'allowed' }], /entries\[0\]\.mac/],
    ['entry access unknown', LOCAL, POLICY, [{ ip: '10.0.0.1', access: 'open' as 'allowed' }], /entries\[0\]\.access: "open"/],
  ];
  test.each(bad)('%s', (_name, local, policy, entries, message) => {
    expect(() => renderTable(local, policy, entries)).toThrow(message);
  });
});

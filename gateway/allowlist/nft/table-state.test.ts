import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { AllowlistEntry, GatewayLocal, GatewayPolicy } from '../contract.js';
import { checkCidr, numberToIp } from './ruleset.js';
import { diffState, expectedState, parseCounters, parseTableState, type TableState } from './table-state.js';

const LOCAL: GatewayLocal = { table: 'kk', clientNetworks: ['10.20.0.0/24'], directInterfaces: ['eth1'], portalRedirectPort: 8081 };
const POLICY: GatewayPolicy = { remediation: ['10.9.0.5'], services: [{ ip: '10.0.0.10', proto: 'tcp', port: 271 }] };
const ENTRIES: AllowlistEntry[] = [
  { ip: '10.20.0.7', mac: '02:aa:bb:cc:dd:ee', access: 'allowed' },
  { ip: '10.20.0.9', access: 'quarantined' },
];

/** As nft 1.0.6 prints a set in `-j list`. */
function setJson(name: string, type: string | string[], elem: unknown[], interval = false): unknown {
  return { set: { family: 'inet', name, table: 'kk', type, handle: 1, ...(interval ? { flags: ['interval'] } : {}), ...(elem.length > 0 ? { elem } : {}) } };
}

function ruleJson(chain: string, n: number): unknown[] {
  return Array.from({ length: n }, () => ({ rule: { family: 'inet', table: 'kk', chain, handle: 1, expr: [] } }));
}

/** A listing of the table in nft's JSON shape, with the intervals written as the given CIDRs. */
function listing(state: TableState, raw: { clients: string[]; remediation: string[] }): unknown {
  const prefix = (c: string): unknown => {
    const [lo, hi] = checkCidr('c', c);
    if (lo === hi) return numberToIp(lo);
    return { prefix: { addr: numberToIp(lo), len: 32 - Math.log2(hi - lo + 1) } };
  };
  const concat = (el: string): unknown => ({ concat: el.split(' . ').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) });
  const els = (name: string): string[] => [...(state.sets.get(name) ?? [])];
  return {
    nftables: [
      { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
      { table: { family: 'inet', name: 'kk', handle: 3 } },
      { counter: { family: 'inet', name: 'quarantine_refused', table: 'kk', handle: 9, packets: 3, bytes: 180 } },
      setJson('clients', 'ipv4_addr', raw.clients.map(prefix), true),
      setJson('allowed', 'ipv4_addr', els('allowed')),
      setJson('allowed_l2', ['ipv4_addr', 'ether_addr'], els('allowed_l2').map(concat)),
      setJson('quarantined', 'ipv4_addr', els('quarantined')),
      // An element with its own counter comes wrapped.
      setJson('denied', 'ipv4_addr', els('denied').map((val) => ({ elem: { val, counter: { packets: 0, bytes: 0 } } }))),
      setJson('remediation', 'ipv4_addr', raw.remediation.map(prefix), true),
      setJson('services', ['ipv4_addr', 'inet_proto', 'inet_service'], els('services').map(concat)),
      setJson('direct_ifaces', 'ifname', els('direct_ifaces').map((q) => q.slice(1, -1))),
      ...[...state.chains].flatMap(([name, n]) => [{ chain: { family: 'inet', table: 'kk', name, handle: 1 } }, ...ruleJson(name, n)]),
    ],
  };
}

describe('parseTableState', () => {
  test('reads sets, chains and rule counts in the renderer canonical form', () => {
    const expected = expectedState(LOCAL, POLICY, ENTRIES);
    const parsed = parseTableState(listing(expected, { clients: ['10.20.0.0/25', '10.20.0.128/25'], remediation: ['10.9.0.5'] }));
    expect(parsed).toEqual(expected);
    expect(parsed.sets.get('allowed_l2')).toEqual(new Set(['10.20.0.7 . 02:aa:bb:cc:dd:ee']));
    expect(parsed.sets.get('services')).toEqual(new Set(['10.0.0.10 . tcp . 271']));
    expect(parsed.sets.get('direct_ifaces')).toEqual(new Set(['"eth1"']));
    expect(diffState(expected, parsed)).toEqual([]);
  });

  test('ranges as nft prints them', () => {
    const s = parseTableState({ nftables: [setJson('clients', 'ipv4_addr', [{ range: ['10.0.0.1', '10.0.0.6'] }, '10.0.0.9', { prefix: { addr: '0.0.0.0', len: 0 } }], true)] });
    expect(s.sets.get('clients')).toEqual(new Set(['0.0.0.0/0']));
  });

  test('named counters', () => {
    expect(parseCounters(listing(expectedState(LOCAL, POLICY, []), { clients: [], remediation: [] }))).toEqual(new Map([['quarantine_refused', { packets: 3, bytes: 180 }]]));
  });

  test('not a listing: throws', () => {
    expect(() => parseTableState({})).toThrow(/nftables/);
    expect(() => parseTableState({ nftables: [setJson('x', 'ipv4_addr', [{ weird: 1 }])] })).toThrow(/unexpected element/);
  });
});

describe('diffState', () => {
  const expected = expectedState(LOCAL, POLICY, ENTRIES);
  const clone = (s: TableState): TableState => ({ sets: new Map([...s.sets].map(([k, v]) => [k, new Set(v)])), chains: new Map(s.chains) });

  test('table missing', () => {
    expect(diffState(expected, undefined)).toEqual(['table missing']);
  });

  test('elements lost and added by hand, a set dropped, rules deleted, a chain added', () => {
    const actual = clone(expected);
    actual.sets.get('allowed')?.clear();
    actual.sets.get('quarantined')?.add('10.20.0.200');
    actual.sets.delete('remediation');
    actual.chains.set('from_client', 2);
    actual.chains.set('mine', 1);
    expect(diffState(expected, actual)).toEqual([
      'set allowed: 1 element(s) missing: 10.20.0.7',
      'set quarantined: 1 unexpected element(s): 10.20.0.200',
      'set remediation missing',
      'chain from_client: 2 rule(s), expected 8',
      'chain mine unexpected',
    ]);
  });

  test('long lists are sampled', () => {
    const actual = clone(expected);
    for (let i = 0; i < 12; i++) actual.sets.get('denied')?.add(`10.20.1.${i}`);
    expect(diffState(expected, actual)).toEqual(['set denied: 12 unexpected element(s): 10.20.1.0, 10.20.1.1, 10.20.1.2, 10.20.1.3, 10.20.1.4, … (7 more)']);
  });
});

// ------------------------------------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const cidr = fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`);
const network = fc.oneof(ipv4, cidr);
const macArb = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
const entry = fc.record({ ip: ipv4, mac: fc.option(macArb, { nil: undefined }), access: fc.constantFrom('allowed' as const, 'quarantined' as const, 'denied' as const) });
const service = fc.record({ ip: ipv4, proto: fc.constantFrom('tcp' as const, 'udp' as const), port: fc.integer({ min: 1, max: 65535 }) });
const ifname = fc.stringMatching(/^[A-Za-z0-9._-]{1,15}$/);

describe('table-state properties', () => {
  test('a listing of the expected state, intervals written unmerged, parses back to the expected state', () => {
    fc.assert(
      fc.property(fc.array(network, { maxLength: 6 }), fc.array(network, { maxLength: 6 }), fc.array(entry, { maxLength: 30 }), fc.array(service, { maxLength: 5 }), fc.array(ifname, { maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (clients, remediation, entries, services, ifaces, port) => {
        const local: GatewayLocal = { table: 'kk', clientNetworks: clients, directInterfaces: ifaces, portalRedirectPort: port };
        const expected = expectedState(local, { remediation, services }, entries);
        const parsed = parseTableState(listing(expected, { clients, remediation }));
        expect(diffState(expected, parsed)).toEqual([]);
        expect(parsed).toEqual(expected);
      }),
    );
  });
});

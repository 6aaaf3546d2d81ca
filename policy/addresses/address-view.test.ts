/**
 * The address view: which endpoint an address belongs to and what gateways must do with it.
 * The store here is an in-memory stand-in holding rows (the view only reads them); the SQLite
 * queries themselves are exercised by the store tests and the gateway integration tests.
 */
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../decide/policy.js';
import { ManualClock } from '../service/clock.js';
import type { VerdictChange } from '../service/verdict-bus.js';
import type { AgentAddress, DhcpLease, EndpointVerdictRow, NetworkSession } from '../store/repository.js';
import { AddressView, type AddressChange } from './address-view.js';

const T0 = new Date('2026-11-24T08:00:00Z');

class Rows {
  endpoints: EndpointVerdictRow[] = [];
  leases: DhcpLease[] = [];
  sessions: NetworkSession[] = [];
  agents: AgentAddress[] = [];
  /** Set to hold the next reads until released (a refresh in flight). */
  gate: Promise<void> | undefined;
  store = {
    endpoints: {
      verdictIndex: async () => (await this.gate, this.endpoints.map((e) => ({ ...e }))),
      get: async (tenantId: string, id: string) => this.endpoints.find((e) => e.tenantId === tenantId && e.id === id),
    },
    dhcpLeases: { liveBindings: async (after: string) => (await this.gate, this.leases.filter((l) => l.expiresAt > after && l.state === 'bound')) },
    sessions: { live: async (since: string) => (await this.gate, this.sessions.filter((s) => s.updatedAt > since && s.stoppedAt === undefined)) },
    agentAddresses: {
      note: async (a: AgentAddress) => {
        this.agents = [...this.agents.filter((x) => !(x.tenantId === a.tenantId && x.ip === a.ip)), a];
      },
      live: async (after: string) => (await this.gate, this.agents.filter((a) => a.expiresAt > after)),
      reclaim: async () => 0,
    },
  } as unknown as ConstructorParameters<typeof AddressView>[0]['store'];
}

function setup(rows = new Rows(), clock = new ManualClock(T0)) {
  const view = new AddressView({ store: rows.store, clock, log: pino({ level: 'silent' }), agentAddressTtlSeconds: 3600, refreshSeconds: 3600 });
  const batches: AddressChange[][] = [];
  view.subscribe((c) => batches.push([...c]));
  return { view, rows, clock, batches };
}

const turn = () => new Promise<void>((r) => setImmediate(r));
const lease = (ip: string, mac: string, expiresAt = '2026-11-24T09:00:00.000Z', scope = 'lan'): DhcpLease => ({
  tenantId: 't1', scope, ip, mac, pool: 'production', state: 'bound', boundAt: T0.toISOString(), expiresAt, updatedAt: T0.toISOString(),
});
const verdict = (endpointId: string, v: Verdict, mac?: string): VerdictChange =>
  ({ tenantId: 't1', endpointId, ...(mac ? { mac } : {}), previous: 'isolate', verdict: v, cause: 'posture', decidedAt: T0.toISOString(), decision: {} as VerdictChange['decision'] });
const vpnSession = (ip: string, key = 'vpn|1', extra: Partial<NetworkSession> = {}): NetworkSession => ({
  tenantId: 't1', key, nas: 'vpn', nasAddress: '10.0.0.1', framedIp: ip, userName: 'alice', startedAt: T0.toISOString(), updatedAt: T0.toISOString(), ...extra,
});

describe('address view', () => {
  it('a lease takes its endpoint verdict, follows verdict changes, and goes with the release', async () => {
    const { view, rows, batches } = setup();
    rows.endpoints.push({ tenantId: 't1', id: 'e1', mac: 'aa:aa:aa:aa:aa:01', verdict: 'allow' });
    await view.start();
    view.noteLease(lease('10.1.0.10', 'aa:aa:aa:aa:aa:01'));
    expect(view.entry('t1', '10.1.0.10')).toEqual({ ip: '10.1.0.10', mac: 'aa:aa:aa:aa:aa:01', access: 'allowed' });
    view.onVerdict(verdict('e1', 'isolate', 'aa:aa:aa:aa:aa:01'));
    expect(view.entry('t1', '10.1.0.10')?.access).toBe('quarantined');
    view.onVerdict(verdict('e1', 'deny'));
    expect(view.entry('t1', '10.1.0.10')?.access).toBe('denied');
    view.dropLease('t1', 'lan', '10.1.0.10');
    expect(view.entry('t1', '10.1.0.10')).toBeUndefined();
    await turn();
    // All of that in one turn: one batch, and only the end state of the address.
    expect(batches).toEqual([[{ tenantId: 't1', ip: '10.1.0.10' }]]);
    expect(view.entriesOf('t1', 'e1')).toEqual([]);
  });

  it('an unregistered MAC, another tenant and an unknown address are never allowed', async () => {
    const { view, rows } = setup();
    rows.endpoints.push({ tenantId: 't2', id: 'e9', mac: 'aa:aa:aa:aa:aa:09', verdict: 'allow' });
    await view.start();
    view.noteLease(lease('10.1.0.11', 'aa:aa:aa:aa:aa:09'));
    expect(view.entry('t1', '10.1.0.11')?.access).toBe('quarantined');
    expect(view.entry('t1', '10.1.0.99')).toBeUndefined();
  });

  it('a VPN address is quarantined until the agent reports over the tunnel, then follows that endpoint', async () => {
    const { view, rows } = setup();
    rows.endpoints.push({ tenantId: 't1', id: 'laptop', verdict: 'allow' });
    await view.start();
    view.noteSessions([vpnSession('10.9.0.2')]);
    expect(view.entry('t1', '10.9.0.2')).toEqual({ ip: '10.9.0.2', access: 'quarantined' });
    await view.noteAgent('t1', '::ffff:10.9.0.2', 'laptop');
    expect(view.entry('t1', '10.9.0.2')).toEqual({ ip: '10.9.0.2', access: 'allowed' });
    expect(rows.agents).toEqual([expect.objectContaining({ tenantId: 't1', ip: '10.9.0.2', endpointId: 'laptop', expiresAt: '2026-11-24T09:00:00.000Z' })]);
    // The session ends: the agent's claim still holds until it expires.
    view.noteSessions([vpnSession('10.9.0.2', 'vpn|1', { stoppedAt: T0.toISOString() })]);
    expect(view.entry('t1', '10.9.0.2')?.access).toBe('allowed');
    view.onVerdict(verdict('laptop', 'isolate'));
    expect(view.entry('t1', '10.9.0.2')?.access).toBe('quarantined');
  });

  it('ignores loopback, IPv6 and garbage agent addresses', async () => {
    const { view, rows } = setup();
    await view.start();
    for (const a of ['127.0.0.1', '::1', 'fe80::1', '0.0.0.0', '10.1.2.300', 'x', undefined]) await view.noteAgent('t1', a, 'e1');
    expect(view.size).toBe(0);
    expect(rows.agents).toEqual([]);
  });

  it('two endpoints claiming one address: the stricter verdict wins', async () => {
    const { view, rows } = setup();
    rows.endpoints.push({ tenantId: 't1', id: 'a', mac: 'aa:aa:aa:aa:aa:0a', verdict: 'allow' }, { tenantId: 't1', id: 'b', verdict: 'isolate' });
    await view.start();
    view.noteLease(lease('10.1.0.12', 'aa:aa:aa:aa:aa:0a'));
    await view.noteAgent('t1', '10.1.0.12', 'b');
    expect(view.entry('t1', '10.1.0.12')).toEqual({ ip: '10.1.0.12', mac: 'aa:aa:aa:aa:aa:0a', access: 'quarantined' });
    view.onVerdict(verdict('b', 'allow'));
    expect(view.entry('t1', '10.1.0.12')?.access).toBe('allowed');
  });

  it('a refresh drops expired leases and keeps what was noted while it read the store', async () => {
    const { view, rows, clock } = setup();
    rows.endpoints.push({ tenantId: 't1', id: 'e1', mac: 'aa:aa:aa:aa:aa:01', verdict: 'allow' }, { tenantId: 't1', id: 'e2', verdict: 'allow' });
    rows.leases.push(lease('10.1.0.10', 'aa:aa:aa:aa:aa:01', '2026-11-24T08:30:00.000Z'));
    await view.start();
    expect(view.entry('t1', '10.1.0.10')?.access).toBe('allowed');
    clock.set(new Date('2026-11-24T08:31:00Z'));
    let release!: () => void;
    rows.gate = new Promise<void>((r) => (release = r));
    const refreshing = view.refresh();
    // Noted during the refresh; the store the refresh already read may not have it.
    view.noteSessions([vpnSession('10.9.0.3', 'vpn|2', { updatedAt: '2026-11-24T08:31:00.000Z' })]);
    view.onVerdict(verdict('e2', 'allow'));
    await view.noteAgent('t1', '10.9.0.3', 'e2');
    rows.agents = [];
    release();
    await refreshing;
    rows.gate = undefined;
    expect(view.entry('t1', '10.1.0.10')).toBeUndefined();
    expect(view.entry('t1', '10.9.0.3')?.access).toBe('allowed');
  });

  it('an expired lease leaves without a rebuild; an endpoint edited or deleted through the API is judged anew at once', async () => {
    const { view, rows, clock } = setup();
    rows.endpoints.push({ tenantId: 't1', id: 'e1', verdict: 'allow' });
    await view.start();
    view.noteLease(lease('10.1.0.30', 'aa:aa:aa:aa:aa:30', '2026-11-24T08:10:00.000Z'));
    view.noteLease(lease('10.1.0.31', 'aa:aa:aa:aa:aa:31', '2026-11-24T09:10:00.000Z'));
    expect(view.entry('t1', '10.1.0.31')?.access).toBe('quarantined');
    // The admin registers the MAC on the allowed endpoint: its lease is allowed.
    rows.endpoints[0]!.mac = 'aa:aa:aa:aa:aa:31';
    await view.endpointChanged('t1', 'e1');
    expect(view.entry('t1', '10.1.0.31')?.access).toBe('allowed');
    clock.set(new Date('2026-11-24T08:11:00Z'));
    view.expire();
    expect(view.entry('t1', '10.1.0.30')).toBeUndefined();
    expect(view.entry('t1', '10.1.0.31')?.access).toBe('allowed');
    // Deleted: its lease is an unidentified one again.
    rows.endpoints = [];
    await view.endpointChanged('t1', 'e1');
    expect(view.entry('t1', '10.1.0.31')?.access).toBe('quarantined');
    view.stop();
  });

  it('a thousand verdict changes in one turn reach subscribers as one batch', async () => {
    const { view, rows, batches } = setup();
    for (let i = 0; i < 1000; i++) {
      const mac = `aa:aa:aa:aa:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      rows.endpoints.push({ tenantId: 't1', id: `e${i}`, mac, verdict: 'isolate' });
      rows.leases.push(lease(`10.2.${i >> 8}.${i & 255}`, mac));
    }
    await view.start();
    await turn();
    batches.length = 0;
    for (let i = 0; i < 1000; i++) view.onVerdict(verdict(`e${i}`, 'allow'));
    await turn();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(1000);
    expect(batches[0]!.every((c) => c.entry?.access === 'allowed')).toBe(true);
  });

  it('property: changes told one by one end where a rebuild from the store ends', async () => {
    const macs = ['aa:00:00:00:00:01', 'aa:00:00:00:00:02', 'aa:00:00:00:00:03'];
    const ips = ['10.1.0.1', '10.1.0.2', '10.1.0.3'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('lease' as const), ip: fc.constantFrom(...ips), mac: fc.constantFrom(...macs) }),
      fc.record({ kind: fc.constant('release' as const), ip: fc.constantFrom(...ips) }),
      fc.record({ kind: fc.constant('verdict' as const), e: fc.integer({ min: 0, max: 2 }), v: fc.constantFrom<Verdict>('allow', 'isolate', 'deny') }),
      fc.record({ kind: fc.constant('agent' as const), ip: fc.constantFrom(...ips), e: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('session' as const), ip: fc.constantFrom(...ips), stop: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const { view, rows } = setup();
        rows.endpoints = macs.map((mac, i) => ({ tenantId: 't1', id: `e${i}`, mac, verdict: 'isolate' as Verdict }));
        await view.start();
        for (const o of ops) {
          if (o.kind === 'lease') {
            // One holder per address and one address per MAC, as the lease store keeps it.
            rows.leases = rows.leases.filter((l) => l.ip !== o.ip && l.mac !== o.mac);
            const l = lease(o.ip, o.mac);
            rows.leases.push(l);
            view.noteLease(l);
          } else if (o.kind === 'release') {
            rows.leases = rows.leases.filter((l) => l.ip !== o.ip);
            view.dropLease('t1', 'lan', o.ip);
          } else if (o.kind === 'verdict') {
            rows.endpoints[o.e]!.verdict = o.v;
            view.onVerdict(verdict(`e${o.e}`, o.v, macs[o.e]));
          } else if (o.kind === 'agent') {
            await view.noteAgent('t1', o.ip, `e${o.e}`);
          } else {
            const s = vpnSession(o.ip, `vpn|${o.ip}`, o.stop ? { stoppedAt: T0.toISOString() } : {});
            rows.sessions = [...rows.sessions.filter((x) => x.key !== s.key), ...(o.stop ? [] : [s])];
            view.noteSessions([s]);
          }
        }
        const incremental = view.snapshot().sort((a, b) => a.ip.localeCompare(b.ip));
        const rebuilt = setup(rows).view;
        await rebuilt.start();
        expect(rebuilt.snapshot().sort((a, b) => a.ip.localeCompare(b.ip))).toEqual(incremental);
      }),
      { numRuns: 300 },
    );
  });
});

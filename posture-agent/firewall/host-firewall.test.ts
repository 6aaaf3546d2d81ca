import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ruleSetFingerprint, type HostRuleSet } from '../../gateway/host-firewall/rule-set.js';
import type { FirewallBackend, LiveState } from './backend.js';
import { HostFirewallError } from './errors.js';
import { HostFirewall, parseServer, type FirewallLogger } from './host-firewall.js';
import { parseNftJson } from './linux.js';

/** Remembers what it was given; `live` is what inspect reports; `fail` makes apply throw. */
class FakeBackend implements FirewallBackend {
  readonly platform = 'linux' as const;
  applied: HostRuleSet[] = [];
  /** The state file's content at the moment each apply ran. */
  stateAtApply: unknown[] = [];
  fail = false;
  live: LiveState = { present: false };
  constructor(private readonly stateFile: string) {}
  async apply(rs: HostRuleSet): Promise<void> {
    let state: unknown;
    try {
      state = JSON.parse(readFileSync(this.stateFile, 'utf8'));
    } catch {
      state = undefined;
    }
    this.stateAtApply.push(state);
    if (this.fail) throw new HostFirewallError('KENNEKI_ERR_HOST_FIREWALL_APPLY', 'nft -f -: Error: Could not process rule');
    this.applied.push(rs);
    this.live = rs.mode === 'open' ? { present: false } : { present: true, marker: `kenneki:${ruleSetFingerprint(rs)}`, chains: [{ name: 'output', hook: 'output', policy: 'drop' }, { name: 'input', hook: 'input', policy: 'drop' }], rules: this.ruleCount(rs) };
  }
  ruleCount(rs: HostRuleSet): number {
    return rs.mode === 'open' ? 0 : 10;
  }
  async inspect(): Promise<LiveState> {
    return this.live;
  }
}

class Logs implements FirewallLogger {
  lines: { level: string; evt?: string }[] = [];
  info = (o: object) => void this.lines.push({ level: 'info', ...(o as { evt?: string }) });
  warn = (o: object) => void this.lines.push({ level: 'warn', ...(o as { evt?: string }) });
  error = (o: object) => void this.lines.push({ level: 'error', ...(o as { evt?: string }) });
  evts = () => this.lines.map((l) => l.evt);
}

const ISOLATE = { verdict: 'isolate' as const, quarantineAllow: [{ host: 'fix.example', protocol: 'tcp' as const, ports: [443] }], server: 'kenneki.example:271' };
const ALLOW = { verdict: 'allow' as const, quarantineAllow: [], server: 'kenneki.example:271' };

let dir: string;
let stateFile: string;
let backend: FakeBackend;
let logs: Logs;
let dnsUp: boolean;

function manager(): HostFirewall {
  return new HostFirewall({
    stateFile,
    servers: [{ host: 'kenneki.example', port: 271 }],
    resolvers: () => ['10.0.0.53'],
    resolve: async (name) => {
      if (!dnsUp) throw new Error('SERVFAIL');
      return name === 'kenneki.example' ? ['10.0.0.10'] : ['10.1.0.7'];
    },
    backend,
    log: logs,
    now: () => new Date('2026-01-02T03:04:05Z'),
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kk-fwunit-'));
  stateFile = join(dir, 'agent', 'state.json');
  backend = new FakeBackend(stateFile);
  logs = new Logs();
  dnsUp = true;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const persisted = () => JSON.parse(readFileSync(stateFile, 'utf8')) as { hostFirewall?: { ruleSet: HostRuleSet; appliedAt: string }; other?: unknown };

describe('HostFirewall.apply', () => {
  test('isolate writes the state first, then the rules; allow removes the rules, then writes', async () => {
    const fw = manager();
    const r = await fw.apply(ISOLATE);
    expect(r).toMatchObject({ status: 'applied', mode: 'isolate', persisted: true });
    expect(backend.applied[0]).toEqual({
      mode: 'isolate',
      server: [{ address: '10.0.0.10', port: 271, protocol: 'tcp' }],
      dns: ['10.0.0.53'],
      dhcp: true,
      remediation: [{ address: '10.1.0.7', protocol: 'tcp', ports: [443] }],
    });
    expect(backend.stateAtApply[0]).toMatchObject({ hostFirewall: { ruleSet: { mode: 'isolate' } } });
    expect(await fw.apply(ALLOW)).toMatchObject({ status: 'applied', mode: 'open' });
    expect(backend.stateAtApply[1]).toMatchObject({ hostFirewall: { ruleSet: { mode: 'isolate' } } });
    expect(persisted().hostFirewall).toMatchObject({ ruleSet: { mode: 'open' }, appliedAt: '2026-01-02T03:04:05.000Z' });
    expect(logs.evts()).toEqual(['HOST_FIREWALL_ISOLATED', 'HOST_FIREWALL_OPENED']);
  });

  test('deny isolates like isolate', async () => {
    expect(await manager().apply({ ...ISOLATE, verdict: 'deny' })).toMatchObject({ status: 'applied', mode: 'isolate' });
  });

  test('the same rule set, live and matching, is a noop', async () => {
    const fw = manager();
    await fw.apply(ISOLATE);
    expect(await fw.apply(ISOLATE)).toMatchObject({ status: 'noop' });
    backend.live = { present: false }; // someone flushed it
    expect(await fw.apply(ISOLATE)).toMatchObject({ status: 'applied' });
  });

  test('a failing backend: a failed result, nothing thrown, the state rolled back', async () => {
    const fw = manager();
    await fw.apply(ALLOW);
    const before = readFileSync(stateFile, 'utf8');
    backend.fail = true;
    const r = await fw.apply(ISOLATE);
    expect(r).toEqual({ status: 'failed', code: 'KENNEKI_ERR_HOST_FIREWALL_APPLY', message: 'nft -f -: Error: Could not process rule', kept: 'open' });
    expect(readFileSync(stateFile, 'utf8')).toBe(before);
    expect(logs.lines.at(-1)).toMatchObject({ level: 'error', evt: 'HOST_FIREWALL_APPLY_FAILED' });
  });

  test('DNS down: the last known server address keeps the server reachable; remediation names are skipped and logged', async () => {
    const fw = manager();
    await fw.apply(ISOLATE);
    dnsUp = false;
    const r = await fw.apply(ISOLATE);
    expect(r).toMatchObject({ status: 'applied', serverFallback: 'known', ruleSet: { server: [{ address: '10.0.0.10', port: 271 }], remediation: [] } });
    expect(logs.evts()).toContain('HOST_FIREWALL_SERVER_FALLBACK');
    expect(logs.evts()).toContain('HOST_FIREWALL_ENTRY_SKIPPED');
  });

  test('DNS down and nothing known: TCP to the server port on any address, still isolated', async () => {
    dnsUp = false;
    const r = await manager().apply(ISOLATE);
    expect(r).toMatchObject({ status: 'applied', mode: 'isolate', serverFallback: 'any-address' });
    expect(backend.applied[0]?.server.map((s) => `${s.address} ${s.port}`)).toEqual(['0.0.0.0/0 271', '::/0 271']);
  });

  test('the server that answered counts even when the configured one does not resolve', async () => {
    dnsUp = false;
    const r = await manager().apply({ ...ISOLATE, server: '[2001:db8::10]:2710' });
    expect(r).toMatchObject({ status: 'applied', ruleSet: { server: [{ address: '2001:db8::10', port: 2710, protocol: 'tcp' }] } });
  });

  test('other keys of the agent state file are kept', async () => {
    await manager().apply(ALLOW);
    writeFileSync(stateFile, JSON.stringify({ ...persisted(), other: { lastAssessment: 'x' } }));
    await manager().apply(ISOLATE);
    expect(persisted().other).toEqual({ lastAssessment: 'x' });
  });
});

describe('HostFirewall.reapply', () => {
  test('nothing persisted: noop', async () => {
    expect(await manager().reapply()).toMatchObject({ status: 'noop' });
    expect(backend.applied).toEqual([]);
  });

  test('a restarted agent restores the persisted rule set', async () => {
    await manager().apply(ISOLATE);
    const first = backend.applied[0];
    backend.live = { present: false }; // rebooted
    const restarted = manager();
    expect(await restarted.status()).toMatchObject({ mode: 'isolate', live: 'mismatch', detail: 'our table is missing' });
    expect(await restarted.reapply()).toMatchObject({ status: 'applied', mode: 'isolate' });
    expect(backend.applied[1]).toEqual(first);
    expect(await restarted.status()).toMatchObject({ platform: 'linux', mode: 'isolate', rules: 10, live: 'match', appliedAt: '2026-01-02T03:04:05.000Z' });
  });

  test.each([
    ['not JSON', '{"hostFirewall": '],
    ['a tampered rule set', JSON.stringify({ hostFirewall: { ruleSet: { mode: 'isolate', server: [{ address: '10.0.0.10; flush ruleset', port: 271, protocol: 'tcp' }], dns: [], dhcp: true, remediation: [] } } })],
  ])('%s: fail closed, isolated with only the server port and DHCP', async (_, text) => {
    await manager().apply(ALLOW);
    writeFileSync(stateFile, text);
    const r = await manager().reapply();
    expect(r).toMatchObject({ status: 'applied', mode: 'isolate' });
    expect(backend.applied.at(-1)).toEqual({
      mode: 'isolate',
      server: [
        { address: '0.0.0.0/0', port: 271, protocol: 'tcp' },
        { address: '::/0', port: 271, protocol: 'tcp' },
      ],
      dns: ['10.0.0.53'],
      dhcp: true,
      remediation: [],
    });
    expect(logs.evts()).toContain('HOST_FIREWALL_STATE_INVALID');
  });
});

describe('status', () => {
  test('nothing applied yet', async () => {
    expect(await manager().status()).toMatchObject({ mode: 'none', rules: 0, live: 'unknown' });
  });

  test('a live table of another rule set is a mismatch', async () => {
    const fw = manager();
    await fw.apply(ISOLATE);
    backend.live = { present: true, marker: 'kenneki:0000', chains: [], rules: 10 };
    expect(await fw.status()).toMatchObject({ live: 'mismatch' });
  });
});

test.each([
  ['kenneki.example:271', { host: 'kenneki.example', port: 271 }],
  ['10.0.0.1:2710', { host: '10.0.0.1', port: 2710 }],
  ['[2001:db8::1]:271', { host: '2001:db8::1', port: 271 }],
  ['2001:db8::1', undefined],
  ['kenneki.example', undefined],
  [undefined, undefined],
])('parseServer(%j)', (s, want) => {
  expect(parseServer(s)).toEqual(want);
});

test('parseNftJson reads chains, rules and our marker', () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { table: { family: 'inet', name: 'kenneki_agent', handle: 1 } },
      { chain: { family: 'inet', table: 'kenneki_agent', name: 'output', handle: 1, type: 'filter', hook: 'output', prio: 0, policy: 'drop' } },
      { rule: { family: 'inet', table: 'kenneki_agent', chain: 'output', handle: 2, comment: 'kenneki:abc', expr: [] } },
      { rule: { family: 'inet', table: 'kenneki_agent', chain: 'output', handle: 3, expr: [] } },
    ],
  });
  expect(parseNftJson(json)).toEqual({ present: true, marker: 'kenneki:abc', chains: [{ name: 'output', hook: 'output', policy: 'drop' }], rules: 2 });
});

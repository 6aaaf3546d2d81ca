/**
 * Against the real kernel, in a network namespace of this test's own: every script goes through
 * `ip netns exec NS nft -f -` and is read back with `nft -j list`. Needs root (as the suite runs);
 * a missing nft or ip is a failure naming the Debian package, never a skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AllowlistEntry, GatewayLocal, GatewayPolicy } from '../contract.js';
import { AllowlistApplier } from './applier.js';
import { renderDelta } from './delta.js';
import { NftRunner } from './nft-runner.js';
import { renderTable } from './ruleset.js';
import { diffState, expectedState, parseCounters, parseTableState } from './table-state.js';

const NS = `kkal${process.pid}`;
const inNs = (argv: string[]): string[] => ['ip', 'netns', 'exec', NS, ...argv];
const runner = new NftRunner({ wrap: inNs, timeoutMs: 20_000 });
/** A hand edit, as an operator would make it. */
const nftByHand = (...args: string[]): string => execFileSync('ip', ['netns', 'exec', NS, 'nft', ...args], { encoding: 'utf8' });

function requireBinary(cmd: string, args: string[], pkg: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} is not installed (${r.error.message}): install the Debian package ${pkg}`);
}

beforeAll(() => {
  requireBinary('nft', ['--version'], 'nftables');
  requireBinary('ip', ['-V'], 'iproute2');
  spawnSync('ip', ['netns', 'del', NS]);
  execFileSync('ip', ['netns', 'add', NS]);
});

afterAll(() => {
  spawnSync('ip', ['netns', 'del', NS]);
});

const LOCAL: GatewayLocal = { table: 'kk_gw', clientNetworks: ['10.20.0.0/16', '192.168.7.0/24'], directInterfaces: ['eth1', 'br-lan.10'], portalRedirectPort: 8081 };
const POLICY: GatewayPolicy = {
  remediation: ['10.9.0.5', '10.8.0.0/16'],
  services: [
    { ip: '10.0.0.10', proto: 'tcp', port: 271 },
    { ip: '10.0.0.53', proto: 'udp', port: 53 },
  ],
};

const ipOf = (i: number): string => `10.${20 + ((i >> 16) & 3)}.${(i >> 8) & 255}.${i & 255}`;
const macOf = (i: number): string => `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

async function live(local: GatewayLocal): Promise<ReturnType<typeof parseTableState> | undefined> {
  const json = await runner.listTable('inet', local.table);
  return json === undefined ? undefined : parseTableState(json);
}

describe('NftRunner', () => {
  test('a syntax error rejects with nft stderr; the table is untouched (one transaction)', async () => {
    await runner.run(renderTable(LOCAL, POLICY, []));
    await expect(runner.run('add element inet kk_gw allowed { 10.20.0.1 }\nadd element inet kk_gw allowed { nonsense }\n')).rejects.toThrow(/exited 1: .*Error/s);
    expect((await live(LOCAL))?.sets.get('allowed')).toEqual(new Set());
  });

  test('listTable: undefined when the table does not exist, an error when nft cannot run', async () => {
    expect(await runner.listTable('inet', 'no_such_table')).toBeUndefined();
    const missing = new NftRunner({ binary: '/nonexistent/nft', wrap: inNs });
    await expect(missing.listTable('inet', 'kk_gw')).rejects.toThrow(/exec of "\/nonexistent\/nft" failed/);
    await expect(new NftRunner({ binary: '/nonexistent/nft' }).run('')).rejects.toThrow(/cannot run/);
  });

  test('a run past its timeout is killed and rejected', async () => {
    const slow = new NftRunner({ wrap: () => ['sleep', '10'], timeoutMs: 200 });
    const t0 = Date.now();
    await expect(slow.run('')).rejects.toThrow(/timed out after 200 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('rendered table in the kernel', () => {
  test('reads back exactly as expected, with and without the portal redirect', async () => {
    const entries: AllowlistEntry[] = [
      { ip: '10.20.0.7', mac: '02:AA:bb:cc:dd:ee', access: 'allowed' },
      { ip: '10.20.0.3', access: 'allowed' },
      { ip: '10.20.0.9', access: 'quarantined' },
      { ip: '10.20.0.66', access: 'denied' },
    ];
    for (const local of [LOCAL, { ...LOCAL, portalRedirectPort: undefined }, { table: 'kk_empty', clientNetworks: [], directInterfaces: [] }]) {
      await runner.run(renderTable(local, POLICY, entries));
      // Twice: the replace applies whether or not the table exists.
      await runner.run(renderTable(local, POLICY, entries));
      expect(diffState(expectedState(local, POLICY, entries), await live(local))).toEqual([]);
    }
    const counters = parseCounters(await runner.listTable('inet', 'kk_gw'));
    expect([...counters.keys()].sort()).toEqual(['denied_refused', 'gateway_refused', 'quarantine_refused', 'to_quarantined_refused']);
    nftByHand('delete', 'table', 'inet', 'kk_empty');
  });

  test('property: random inputs render, load, and read back with no drift', async () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    const network = fc.oneof(ipv4, fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`));
    const mac = fc.array(octet, { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
    const entry = fc.record({ ip: ipv4, mac: fc.option(mac, { nil: undefined }), access: fc.constantFrom('allowed' as const, 'quarantined' as const, 'denied' as const) });
    const service = fc.record({ ip: ipv4, proto: fc.constantFrom('tcp' as const, 'udp' as const), port: fc.integer({ min: 1, max: 65535 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(network, { maxLength: 5 }), fc.array(network, { maxLength: 5 }), fc.array(entry, { maxLength: 40 }), fc.array(service, { maxLength: 4 }), fc.array(fc.stringMatching(/^[A-Za-z0-9._-]{1,15}$/), { maxLength: 3 }), async (clients, remediation, entries, services, ifaces) => {
        const local: GatewayLocal = { table: 'kk_prop', clientNetworks: clients, directInterfaces: ifaces, portalRedirectPort: 8080 };
        await runner.run(renderTable(local, { remediation, services }, entries));
        expect(diffState(expectedState(local, { remediation, services }, entries), await live(local))).toEqual([]);
      }),
      { numRuns: 25 },
    );
    nftByHand('delete', 'table', 'inet', 'kk_prop');
  });

  test('delta idempotence: removing twice and adding twice both succeed and settle', async () => {
    const a: AllowlistEntry = { ip: '10.20.0.7', mac: '02:aa:bb:cc:dd:ee', access: 'allowed' };
    await runner.run(renderTable(LOCAL, POLICY, [a]));
    const remove = renderDelta(LOCAL.table, [{ before: a }]);
    await runner.run(remove);
    await runner.run(remove);
    expect(diffState(expectedState(LOCAL, POLICY, []), await live(LOCAL))).toEqual([]);
    const add = renderDelta(LOCAL.table, [{ after: a }]);
    await runner.run(add);
    await runner.run(add);
    expect(diffState(expectedState(LOCAL, POLICY, [a]), await live(LOCAL))).toEqual([]);
    // A verdict change onto an element already there by hand: still one successful run.
    nftByHand('add', 'element', 'inet', LOCAL.table, 'denied', '{ 10.20.0.7 }');
    await runner.run(renderDelta(LOCAL.table, [{ before: a, after: { ip: a.ip, access: 'denied' } }]));
    expect(diffState(expectedState(LOCAL, POLICY, [{ ip: a.ip, access: 'denied' }]), await live(LOCAL))).toEqual([]);
  });
});

describe('AllowlistApplier in the kernel', () => {
  test('one change, then a 10,000-entry replaceAll in one nft run', async () => {
    const applier = new AllowlistApplier({ local: LOCAL, runner });
    try {
      await applier.start(POLICY, [{ ip: '10.20.0.1', access: 'quarantined' }]);
      await applier.upsert({ ip: '10.20.0.1', mac: '02:00:00:00:00:01', access: 'allowed' });
      const one = applier.stats();
      console.log(`nft run, 1 change: ${one.lastRunMs.toFixed(1)} ms`);
      const entries: AllowlistEntry[] = [];
      for (let i = 0; i < 10_000; i++) entries.push({ ip: ipOf(i + 2), ...(i % 2 === 0 ? { mac: macOf(i + 2) } : {}), access: i % 10 === 0 ? 'quarantined' : i % 97 === 0 ? 'denied' : 'allowed' });
      const t0 = performance.now();
      await applier.replaceAll(entries);
      const total = performance.now() - t0;
      const s = applier.stats();
      console.log(`nft run, 10,000-entry replaceAll: ${s.lastRunMs.toFixed(1)} ms (${(s.elementsChanged - one.elementsChanged).toLocaleString()} elements; ${total.toFixed(1)} ms end to end)`);
      expect(s.runs - one.runs).toBe(1);
      expect(s.fullReplaces).toBe(1);
      const state = await live(LOCAL);
      expect(diffState(expectedState(LOCAL, POLICY, entries), state)).toEqual([]);
      expect(state?.sets.get('allowed')?.size).toBe(entries.filter((e) => e.access === 'allowed').length);
      expect((await applier.reconcile()).drift).toEqual([]);
      await applier.setPolicy(POLICY);
      console.log(`nft run, full replace with 10,000 entries: ${applier.stats().lastRunMs.toFixed(1)} ms`);
      expect(applier.stats().fullReplaces).toBe(2);
    } finally {
      await applier.stop();
    }
  });

  test('reconcile repairs drift made by hand: a flushed set, flushed rules, a deleted table', async () => {
    const entries: AllowlistEntry[] = [
      { ip: '10.20.0.5', access: 'allowed' },
      { ip: '10.20.0.6', mac: '02:00:00:00:00:06', access: 'allowed' },
      { ip: '10.20.0.7', access: 'denied' },
    ];
    const applier = new AllowlistApplier({ local: LOCAL, runner });
    try {
      await applier.start(POLICY, entries);
      expect((await applier.reconcile()).drift).toEqual([]);

      nftByHand('flush', 'set', 'inet', LOCAL.table, 'allowed');
      expect((await applier.reconcile()).drift).toEqual(['set allowed: 2 element(s) missing: 10.20.0.5, 10.20.0.6']);
      expect((await applier.reconcile()).drift).toEqual([]);

      nftByHand('flush', 'chain', 'inet', LOCAL.table, 'from_client');
      nftByHand('add', 'element', 'inet', LOCAL.table, 'quarantined', '{ 10.20.9.9 }');
      expect((await applier.reconcile()).drift).toEqual(['set quarantined: 1 unexpected element(s): 10.20.9.9', 'chain from_client: 0 rule(s), expected 8']);
      expect(diffState(expectedState(LOCAL, POLICY, entries), await live(LOCAL))).toEqual([]);

      nftByHand('delete', 'table', 'inet', LOCAL.table);
      expect((await applier.reconcile()).drift).toEqual(['table missing']);
      expect(diffState(expectedState(LOCAL, POLICY, entries), await live(LOCAL))).toEqual([]);
      expect(applier.stats().fullReplaces).toBe(4);

      // A delta onto a deleted table fails, and the fallback replace brings it back.
      nftByHand('delete', 'table', 'inet', LOCAL.table);
      await applier.remove('10.20.0.5');
      expect(diffState(expectedState(LOCAL, POLICY, entries.slice(1)), await live(LOCAL))).toEqual([]);
      expect(applier.health().ok).toBe(true);
    } finally {
      await applier.stop();
    }
  });

  test('a failing nft: promises reject, health goes false, and the retry repairs once nft works', async () => {
    let broken = true;
    const failing = new NftRunner({ binary: '/bin/false' });
    const switchable = { run: (s: string) => (broken ? failing : runner).run(s), listTable: (f: string, t: string) => runner.listTable(f, t) };
    const applier = new AllowlistApplier({ local: LOCAL, runner: switchable, retryInitialMs: 50, retryMaxMs: 200 });
    try {
      await expect(applier.start(POLICY, [{ ip: '10.20.0.5', access: 'allowed' }])).rejects.toThrow(/exited 1/);
      expect(applier.health().ok).toBe(false);
      broken = false;
      await expect.poll(() => applier.health().ok, { timeout: 5000 }).toBe(true);
      expect(diffState(expectedState(LOCAL, POLICY, [{ ip: '10.20.0.5', access: 'allowed' }]), await live(LOCAL))).toEqual([]);
      expect(applier.stats().failures).toBeGreaterThanOrEqual(1);
    } finally {
      await applier.stop();
    }
  });
});

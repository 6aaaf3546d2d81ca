/**
 * Crash consistency of the DHCP leases: the real `kenneki serve` is killed with SIGKILL in the
 * middle of a perfdhcp load (perfdhcp acting as the relay, in the relay topology: its giaddr
 * 10.215.2.254 picks the scope), restarted at once on the same data_dir while the load goes on,
 * and the store must then hold no address for two MACs (the primary key makes one row per
 * address; checked here: no MAC with two live bound leases in the scope, every bound lease inside
 * the configured pool range, and no lease the crash left taken over by another MAC afterwards).
 * A second perfdhcp run against the restarted server must complete DORAs with none of its own
 * uniqueness checks failing ("non unique addresses", "rejected leases" = 0), and the store checks
 * must hold again after it.
 *
 * perfdhcp's simulated clients (random MACs around its default base) are unknown endpoints, so
 * `unknown_mac: quarantine` gives them quarantine leases: a /22 pool with an hour's lease, so
 * every lease stays live through the test. The same -R and base MAC in both runs means the second
 * run's clients are largely the first run's: their leases must come back to them, not to others.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ipv4ToInt } from '../policy/util/ipv4.js';
import { createDhcpTopology, requireDhcpPeer, runPerfdhcp, type DhcpTopology, type PerfdhcpResult } from './helpers/dhcp-peers.js';
import { metricSum, parseMetrics, startKennekiDhcp, type KennekiDhcp } from './helpers/dhcp-server.js';

const PASSWORD = 'dhcp-crash-bootstrap-password-0123';
const POOL_FIRST = '10.215.4.1';
const POOL_LAST = '10.215.7.254';
const PRODUCTION = ['10.215.2.100', '10.215.2.199'] as const;
/** perfdhcp's simulated clients: fewer than the pool holds, so exhaustion plays no part. */
const CLIENTS = 800;
/** Bound leases the first server must have ACKed before it is killed. */
const KILL_AFTER_BOUND = 250;

const DHCP = [
  '  enabled: true',
  '  server_id: 10.215.3.1',
  '  unknown_mac: quarantine',
  '  scopes:',
  '    - name: branch',
  '      pools:',
  `        production: { subnet: 10.215.2.0/24, range: ${PRODUCTION[0]}-${PRODUCTION[1]}, routers: [10.215.2.1], lease_seconds: 600 }`,
  `        quarantine: { subnet: 10.215.4.0/22, range: ${POOL_FIRST}-${POOL_LAST}, lease_seconds: 3600 }`,
];

let dir: string;
let topo: DhcpTopology;
const servers: KennekiDhcp[] = [];
// Debug: DHCP_LEASE_BOUND (one line per ACK) is what the kill waits for.
const start = async () => {
  const s = await startKennekiDhcp(topo, { dir, logLevel: 'debug', httpPort: 18082, password: PASSWORD, dhcp: DHCP });
  servers.push(s);
  return s;
};

interface LeaseRow {
  tenant_id: string;
  scope: string;
  ip: string;
  mac: string;
  pool: string;
  state: string;
  expires_at: string;
}

/**
 * The store as it is now (read-only, beside the running server: WAL), checked; returns the live
 * bound leases by address.
 */
function checkStore(when: string): Map<string, string> {
  const db = new Database(join(dir, 'data', 'kenneki.db'), { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true }), when).toBe('ok');
    // One row per address (the primary key): asserted anyway, it is the property under test.
    const twice = db.prepare('SELECT tenant_id, scope, ip, COUNT(*) AS n FROM dhcp_leases GROUP BY tenant_id, scope, ip HAVING n > 1').all();
    expect(twice, `${when}: addresses with two rows`).toEqual([]);
    const now = new Date().toISOString();
    const live = db.prepare("SELECT * FROM dhcp_leases WHERE state = 'bound' AND expires_at > ?").all(now) as LeaseRow[];
    expect(live.length, `${when}: live bound leases`).toBeGreaterThan(0);
    // No MAC holds two live bound leases in the scope.
    const byMac = new Map<string, string[]>();
    for (const l of live) byMac.set(`${l.tenant_id}/${l.scope}/${l.mac}`, [...(byMac.get(`${l.tenant_id}/${l.scope}/${l.mac}`) ?? []), l.ip]);
    expect([...byMac].filter(([, ips]) => ips.length > 1), `${when}: MACs with two live leases`).toEqual([]);
    // Every lease is in the scope, from the quarantine pool, inside its range, for a real MAC.
    const first = ipv4ToInt(POOL_FIRST)!;
    const last = ipv4ToInt(POOL_LAST)!;
    const outside = live.filter((l) => {
      const n = ipv4ToInt(l.ip);
      return l.tenant_id !== 'default' || l.scope !== 'branch' || l.pool !== 'quarantine' || n === undefined || n < first || n > last || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(l.mac);
    });
    expect(outside, `${when}: leases outside the quarantine pool`).toEqual([]);
    // Nothing else in the table: no declines, no production leases for unknown MACs.
    expect(db.prepare("SELECT COUNT(*) AS n FROM dhcp_leases WHERE state <> 'bound' OR pool <> 'quarantine'").get(), when).toEqual({ n: 0 });
    return new Map(live.map((l) => [l.ip, l.mac]));
  } finally {
    db.close();
  }
}

/** perfdhcp's own checks: every exchange ran, no address went to two of its clients, no lease rejected. */
function expectPerfdhcpClean(r: PerfdhcpResult, what: string): void {
  for (const name of ['DISCOVER-OFFER', 'REQUEST-ACK']) {
    const x = r.exchanges[name]!;
    expect(x.sent, `${what} ${name}\n${r.output}`).toBeGreaterThan(0);
    expect(x.nonUniqueAddresses, `${what} ${name}: non unique addresses\n${r.output}`).toBe(0);
    expect(x.rejectedLeases, `${what} ${name}: rejected leases\n${r.output}`).toBe(0);
  }
}

describe('Crash consistency: SIGKILL under a perfdhcp load, restart, and no address leased to two MACs', () => {
  beforeAll(() => {
    requireDhcpPeer('perfdhcp');
    dir = mkdtempSync(join(tmpdir(), 'kk-dhcp-crash-'));
    topo = createDhcpTopology({ relay: true, tag: 'k' });
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    topo?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('killed mid-load and restarted: the store holds each address for one MAC, and a second load completes cleanly', { timeout: 90_000 }, async () => {
    const first = await start();
    // 1. Load, and SIGKILL once the server has ACKed (so stored) a few hundred leases.
    const load1 = runPerfdhcp(topo, { rate: 400, clients: CLIENTS, seconds: 6, relayed: true });
    const bound = () => first.output().match(/"evt":"DHCP_LEASE_BOUND"/g)?.length ?? 0;
    await expect.poll(bound, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(KILL_AFTER_BOUND);
    await first.kill();
    expect(first.proc.child.signalCode).toBe('SIGKILL');
    const boundBeforeKill = bound();

    // 2. The store as the crash left it, before anything else writes to it.
    const atCrash = checkStore('after SIGKILL');
    // Every ACK logged before the kill was stored first (the lease is written before the ACK):
    // each MAC's last logged address is in the store, with that MAC.
    const acked = new Map<string, string>();
    for (const line of first.output().split('\n')) {
      if (!line.includes('"evt":"DHCP_LEASE_BOUND"')) continue;
      const l = JSON.parse(line) as { mac: string; ip: string };
      acked.set(l.mac, l.ip);
    }
    expect(acked.size).toBeGreaterThan(0);
    expect([...acked].filter(([mac, ip]) => atCrash.get(ip) !== mac), 'ACKed leases missing from the store after SIGKILL').toEqual([]);

    // 3. Restarted on the same data_dir while perfdhcp is still sending.
    const second = await start();
    const r1 = await load1;
    expectPerfdhcpClean(r1, 'load across the crash');
    const afterRestart = checkStore('after restart, first load done');
    // The leases the crash left are still with the same MACs.
    const takenOver = [...atCrash].filter(([ip, mac]) => afterRestart.has(ip) && afterRestart.get(ip) !== mac);
    expect(takenOver, 'addresses that moved to another MAC across the restart').toEqual([]);
    // The restarted server loaded them: it counts at least those addresses as used.
    const used = metricSum(parseMetrics(await second.metricsText()), 'kenneki_dhcp_pool_addresses_used', { scope: 'branch', pool: 'quarantine' });
    expect(used).toBeGreaterThanOrEqual(afterRestart.size);
    expect(metricSum(parseMetrics(await second.metricsText()), 'kenneki_dhcp_pool_addresses_used', { scope: 'branch', pool: 'production' })).toBe(0);

    // 4. A second load on the restarted server: the same clients, the same checks.
    const r2 = await runPerfdhcp(topo, { rate: 300, clients: CLIENTS, seconds: 3, relayed: true });
    expect(r2.exitCode, r2.output).toBe(0);
    expectPerfdhcpClean(r2, 'load after the restart');
    expect(r2.doraCompleted, r2.output).toBeGreaterThan(0.8 * 300 * 3);
    const afterLoad2 = checkStore('after the second load');
    expect([...afterRestart].filter(([ip, mac]) => afterLoad2.has(ip) && afterLoad2.get(ip) !== mac), 'addresses that moved to another MAC in the second load').toEqual([]);
    expect(afterLoad2.size).toBeLessThanOrEqual(CLIENTS);
    expect(second.alive()).toBe(true);
    expect(second.output()).not.toMatch(/"evt":"DHCP_HANDLER_FAILED"/);
    console.log(`dhcp crash: ${boundBeforeKill} ACKs logged before SIGKILL, ${atCrash.size} leases at the crash, ${afterRestart.size} after the first load, ${afterLoad2.size} after the second; load 1 ${r1.doraCompleted} DORA, load 2 ${r2.doraCompleted} DORA (drops ${r2.dropsPercent} %)`);
  });
});

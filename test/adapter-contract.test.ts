/**
 * The EnforcementAdapter contract (gateway/adapter.ts, architecture.md), run against every
 * adapter: the same lifecycle, the same shape of answers, and fail-closed behaviour, whatever the
 * enforcement method. Each adapter runs on loopback with the test's own store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AdapterCapability, EnforcementAdapter } from '../gateway/adapter.js';
import { DhcpAdapter } from '../gateway/dhcp/dhcp-adapter.js';
import { AllowlistAdapter } from '../gateway/allowlist/allowlist-adapter.js';
import { RadiusAdapter } from '../gateway/radius/radius-adapter.js';
import { loadConfig } from '../policy/config/load.js';
import type { VerdictChange } from '../policy/service/verdict-bus.js';
import { radiusYaml } from '../simulations/radius-yaml.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { createRouterNs } from './helpers/gateway-lan.js';
import { requireBinaries } from './helpers/topology.js';

const CAPABILITIES: readonly AdapterCapability[] = ['vlan-assign', 'coa', 'lease-steer', 'allowlist', 'host-firewall'];
const log = pino({ level: 'silent' });

let s: TestServer;
let dir: string;
/** The allow-list's nft runs in a namespace of the test's own, never on the host. */
let nftNs: ReturnType<typeof createRouterNs>;

/** The adapters' own config sections, loaded and checked like a real config file. */
function config(yaml: string) {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} });
}

/** `port`: the first port it listens on (0: any free one), so a test can make two clash. */
const ADAPTERS: { name: string; make: (port?: number) => EnforcementAdapter }[] = [
  {
    name: 'radius',
    make: (port = 0) =>
      new RadiusAdapter({
        radius: config(radiusYaml({ clients: [{ name: 'sw1', address: '127.0.0.1', secret: 'contract-shared-secret-0123' }], ports: { auth: port, acct: 0 } })).radius,
        store: s.server.ctx.store, admission: s.server.ctx.admission, registry: new Registry(), log,
      }),
  },
  {
    name: 'dhcp',
    make: (port = 0) =>
      new DhcpAdapter({
        dhcp: config(
          [
            'dhcp:',
            '  enabled: true',
            '  host: 127.0.0.1',
            `  port: ${port}`,
            '  server_id: 127.0.0.1',
            '  scopes:',
            '    - name: lan',
            '      pools:',
            '        production: { subnet: 10.98.1.0/24, range: 10.98.1.10-10.98.1.20 }',
            '        quarantine: { subnet: 10.98.9.0/24, range: 10.98.9.10-10.98.9.20 }',
          ].join('\n'),
        ).dhcp,
        store: s.server.ctx.store, admission: s.server.ctx.admission, registry: new Registry(), log,
      }),
  },
  {
    name: 'allowlist',
    make: (port = 0) =>
      new AllowlistAdapter({
        allowlist: config(['allowlist:', '  enabled: true', '  local: { enabled: true, client_networks: [10.98.0.0/16], portal_redirect_port: ' + port + ' }'].join('\n')).allowlist,
        view: s.server.ctx.addresses!, store: s.server.ctx.store, registry: new Registry(), log,
        wrapNft: (argv) => nftNs.wrap(argv),
      }),
  },
];

/** A real change from the verdict bus (captured in beforeAll), varied per case. */
let real: VerdictChange;
const change = (over: Partial<VerdictChange> = {}): VerdictChange => ({ ...real, ...over });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kk-adapter-contract-'));
  requireBinaries();
  nftNs = createRouterNs('ac');
  s = await startTestServer({ yaml: 'allowlist:\n  enabled: true\n' });
  const got = new Promise<VerdictChange>((resolve) => {
    const off = s.server.bus.subscribe((c) => {
      off();
      resolve(c);
    });
  });
  const e = await enrollEndpoint(s, s.adminToken['default']!, { mac: '02:00:5e:77:00:01', hostname: 'contract-laptop' });
  await report(s, e.credential, healthyReport(new Date()));
  real = await got;
});
afterAll(async () => {
  await s?.close();
  nftNs?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(ADAPTERS)('EnforcementAdapter contract: $name', ({ make }) => {
  test('names itself and declares capabilities from the known set', () => {
    const a = make();
    expect(a.name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(a.capabilities.length).toBeGreaterThan(0);
    for (const c of a.capabilities) expect(CAPABILITIES).toContain(c);
  });

  test('lifecycle: not healthy before start; start returns its ports; healthy; stop is idempotent and leaves it unhealthy', async () => {
    const a = make();
    expect(a.health().ok).toBe(false);
    const ports = await a.start();
    try {
      expect(Object.keys(ports).length).toBeGreaterThan(0);
      for (const p of Object.values(ports)) expect(Number.isInteger(p) && p > 0 && p < 65536).toBe(true);
      expect(a.health()).toMatchObject({ ok: true });
    } finally {
      await a.stop();
    }
    await a.stop();
    expect(a.health().ok).toBe(false);
  });

  test('apply answers every change with a well-formed result, and never throws, for endpoints it has never seen', async () => {
    const a = make();
    await a.start();
    try {
      const { mac: _mac, ...withoutMac } = real;
      for (const c of [change(), withoutMac, change({ verdict: 'isolate', previous: 'allow' }), change({ verdict: 'deny', tenantId: 'no-such-tenant' })]) {
        const r = await a.apply(c);
        expect(['applied', 'noop', 'failed']).toContain(r.status);
        if (r.status === 'noop' || r.status === 'failed') expect(r.reason.length).toBeGreaterThan(0);
        if (r.status === 'applied') expect(r.detail.length).toBeGreaterThan(0);
        // Nothing to push for a device it has no session or lease for: never "applied" out of thin air.
        expect(r.status).not.toBe('applied');
      }
    } finally {
      await a.stop();
    }
  });

  test('a port already in use fails start with an error, and the adapter does not claim health', async () => {
    const first = make();
    const ports = await first.start();
    try {
      const clash = make(Object.values(ports)[0]!);
      await expect(clash.start()).rejects.toThrow(/EADDRINUSE/);
      expect(clash.health().ok).toBe(false);
      await clash.stop();
    } finally {
      await first.stop();
    }
  });
});

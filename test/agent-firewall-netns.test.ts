/**
 * The agent's personal firewall (seed 2.1.5.4) with real nftables and real packets. A LAN of
 * namespaces (test/helpers/topology.ts): the endpoint running our rules, the Kenneki server, a
 * remediation host and a production host. Expectations are data, failures included: while
 * isolated the endpoint reaches only the server's PT-TLS port and the remediation port, and nobody
 * opens a connection to it; after `allow` everything flows; a restarted agent re-isolates from its
 * state file; another owner's table is never touched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FALLBACK, SAMPLE } from '../gateway/host-firewall/fixture.test-helper.js';
import { renderNftables } from '../gateway/host-firewall/nftables.js';
import { NftablesBackend } from '../posture-agent/firewall/linux.js';
import { HostFirewall } from '../posture-agent/firewall/host-firewall.js';
import { createLan, probeReachability, requireBinaries, type Lan, type LanHost, type Reachability } from './helpers/topology.js';

const SERVER_PORT = 2710;
const SERVER_OTHER_PORT = 2711;
const REMEDIATION_PORT = 8443;
const REMEDIATION_OTHER_PORT = 9000;
const PRODUCTION_PORT = 8080;
const ENDPOINT_PORT = 2222;

type Role = 'endpoint' | 'server' | 'remediation' | 'production';
/** [from, to, probe, port, family, reachable] */
type Expectation = Reachability<Role>;

const ISOLATED: Expectation[] = [
  ['endpoint', 'server', 'tcp', SERVER_PORT, 4, true],
  ['endpoint', 'server', 'tcp', SERVER_PORT, 6, true],
  ['endpoint', 'server', 'tcp', SERVER_OTHER_PORT, 4, false],
  ['endpoint', 'remediation', 'tcp', REMEDIATION_PORT, 4, true],
  ['endpoint', 'remediation', 'tcp', REMEDIATION_OTHER_PORT, 4, false],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 4, false],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 6, false],
  ['endpoint', 'production', 'ping', undefined, 4, false],
  ['production', 'endpoint', 'tcp', ENDPOINT_PORT, 4, false],
  ['production', 'endpoint', 'tcp', ENDPOINT_PORT, 6, false],
  ['production', 'endpoint', 'ping', undefined, 4, false],
  ['server', 'endpoint', 'tcp', ENDPOINT_PORT, 4, false],
];

const OPEN: Expectation[] = [
  ['endpoint', 'server', 'tcp', SERVER_PORT, 4, true],
  ['endpoint', 'remediation', 'tcp', REMEDIATION_OTHER_PORT, 4, true],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 4, true],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 6, true],
  ['endpoint', 'production', 'ping', undefined, 4, true],
  ['production', 'endpoint', 'tcp', ENDPOINT_PORT, 4, true],
  ['production', 'endpoint', 'ping', undefined, 4, true],
];

const OTHER_TABLE = `table inet someone_else {
\tchain keep {
\t\ttype filter hook input priority 10; policy accept;
\t\ttcp dport 9 accept
\t}
}
`;

let lan: Lan;
let stateDir: string;
let h: Record<Role, LanHost>;
let otherBefore: string;

const QUARANTINE = {
  verdict: 'isolate' as const,
  quarantineAllow: [{ host: 'remediation.test', protocol: 'tcp' as const, ports: [REMEDIATION_PORT] }],
  server: `kenneki.test:${SERVER_PORT}`,
};

function manager(): HostFirewall {
  return new HostFirewall({
    stateFile: join(stateDir, 'state.json'),
    servers: [{ host: 'kenneki.test', port: SERVER_PORT }],
    resolvers: () => ['10.214.0.53'],
    // The names the agent would look up; the test's DNS is this table.
    resolve: async (name) => {
      if (name === 'kenneki.test') return [h.server.v4, h.server.v6];
      if (name === 'remediation.test') return [h.remediation.v4];
      throw new Error(`NXDOMAIN ${name}`);
    },
    backend: new NftablesBackend({ command: lan.wrap(h.endpoint, ['nft']) }),
  });
}

const reachability = (expectations: Expectation[]): Promise<Expectation[]> => probeReachability(lan, h, expectations);

const otherTable = () => lan.exec(h.endpoint, ['nft', 'list', 'table', 'inet', 'someone_else']);
const ourTableExists = () => {
  try {
    lan.exec(h.endpoint, ['nft', 'list', 'table', 'inet', 'kenneki_agent']);
    return true;
  } catch {
    return false;
  }
};

describe('agent host firewall with real nftables in namespaces', () => {
  beforeAll(async () => {
    requireBinaries(); // fails naming iproute2 / nftables / iputils-ping
    stateDir = mkdtempSync(join(tmpdir(), 'kk-fw-'));
    lan = createLan('fw', ['endpoint', 'server', 'remediation', 'production']);
    h = lan.hosts as Record<Role, LanHost>;
    await Promise.all([
      lan.listen(h.server, [SERVER_PORT, SERVER_OTHER_PORT]),
      lan.listen(h.remediation, [REMEDIATION_PORT, REMEDIATION_OTHER_PORT]),
      lan.listen(h.production, [PRODUCTION_PORT]),
      lan.listen(h.endpoint, [ENDPOINT_PORT]),
    ]);
    lan.exec(h.endpoint, ['nft', '-f', '-'], OTHER_TABLE);
    otherBefore = otherTable();
  });

  afterAll(() => {
    lan?.remove();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  });

  test.each([
    ['the renderer sample', SAMPLE],
    ['the server fallback', FALLBACK],
  ])('the kernel accepts %s (nft -c, the texts the unit tests pin)', (_, rs) => {
    expect(() => lan.exec(h.endpoint, ['nft', '-c', '-f', '-'], renderNftables(rs))).not.toThrow();
  });

  test('before any verdict the LAN is open (the probes themselves work)', async () => {
    expect(await reachability(OPEN)).toEqual(OPEN);
  });

  test('isolate: only the server port and the remediation port are reachable, nothing comes in', async () => {
    const fw = manager();
    const r = await fw.apply(QUARANTINE);
    expect(r).toMatchObject({ status: 'applied', mode: 'isolate', persisted: true });
    expect(await reachability(ISOLATED)).toEqual(ISOLATED);
    expect(await fw.status()).toMatchObject({ platform: 'linux', mode: 'isolate', live: 'match' });
    // The same verdict again changes nothing.
    expect(await fw.apply(QUARANTINE)).toMatchObject({ status: 'noop' });
    expect(otherTable()).toBe(otherBefore);
  });

  test('allow: our table goes, traffic flows both ways', async () => {
    const fw = manager();
    expect(await fw.apply({ verdict: 'allow', quarantineAllow: [], server: QUARANTINE.server })).toMatchObject({ status: 'applied', mode: 'open' });
    expect(ourTableExists()).toBe(false);
    expect(await reachability(OPEN)).toEqual(OPEN);
    expect(await fw.status()).toMatchObject({ mode: 'open', rules: 0, live: 'match' });
    expect(otherTable()).toBe(otherBefore);
  });

  test('restart: a new manager re-isolates from the state file after the table was lost', async () => {
    expect(await manager().apply({ ...QUARANTINE, verdict: 'deny' })).toMatchObject({ status: 'applied', mode: 'isolate' });
    // A reboot empties nftables.
    lan.exec(h.endpoint, ['nft', 'delete', 'table', 'inet', 'kenneki_agent']);
    const restarted = manager();
    expect(await restarted.status()).toMatchObject({ mode: 'isolate', live: 'mismatch' });
    expect(await restarted.reapply()).toMatchObject({ status: 'applied', mode: 'isolate' });
    expect(await restarted.status()).toMatchObject({ mode: 'isolate', live: 'match' });
    expect(await reachability(ISOLATED)).toEqual(ISOLATED);
    expect(otherTable()).toBe(otherBefore);
  });

  test('a failing nft is reported, not thrown, and the device stays isolated', async () => {
    const broken = new HostFirewall({
      stateFile: join(stateDir, 'state.json'),
      servers: [{ host: h.server.v4, port: SERVER_PORT }],
      resolvers: () => [],
      backend: new NftablesBackend({ command: lan.wrap(h.endpoint, ['false']) }),
    });
    const r = await broken.apply({ verdict: 'allow', quarantineAllow: [] });
    expect(r).toMatchObject({ status: 'failed', code: 'KENNEKI_ERR_HOST_FIREWALL_APPLY', kept: 'isolate' });
    expect(await manager().status()).toMatchObject({ mode: 'isolate', live: 'match' });
    expect(await reachability(ISOLATED.filter((e) => e[2] === 'tcp' && e[0] === 'endpoint'))).toEqual(ISOLATED.filter((e) => e[2] === 'tcp' && e[0] === 'endpoint'));
    expect(otherTable()).toBe(otherBefore);
  });
});

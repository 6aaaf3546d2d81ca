/**
 * The allow-list stream remote gateways follow (GET /api/v1/gateway/stream), against a real
 * server: a gateway credential sees only its tenants' addresses, in the snapshot and in the
 * changes; nothing else (admin tokens, device credentials, garbage) opens it. And the gateway's
 * stream client against hostile servers: whatever a server sends, the client never applies a
 * malformed line, never throws out of its loop, and reconnects.
 */
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkServerUrl, StreamClient } from '../gateway/allowlist/stream-client.js';
import type { DhcpLease } from '../policy/store/repository.js';
import { enrollEndpoint, startTestServer, type TestServer } from './helpers/kenneki-server.js';

const SECRET_A = 'gateway-a-credential-0123456789abcdef';
const SECRET_AB = 'gateway-ab-credential-0123456789abcdef';

let s: TestServer;

const lease = (tenantId: string, ip: string, mac: string): DhcpLease => {
  const at = new Date().toISOString();
  return { tenantId, scope: 'lan', ip, mac, pool: 'quarantine', state: 'bound', boundAt: at, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), updatedAt: at };
};

/** Reads NDJSON lines from the stream until `enough` says stop. */
async function readStream(secret: string, enough: (lines: any[]) => boolean, onOpen?: () => void): Promise<any[]> {
  const ac = new AbortController();
  const r = await fetch(`${s.url}/api/v1/gateway/stream`, { headers: { authorization: `Bearer ${secret}` }, signal: ac.signal });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('application/x-ndjson');
  const lines: any[] = [];
  let buf = '';
  const dec = new TextDecoder();
  const timer = setTimeout(() => ac.abort(), 10_000);
  try {
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
        if (lines.length === 1) onOpen?.();
      }
      if (enough(lines)) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return lines;
}

describe('the gateway stream: authentication and tenant scoping', () => {
  beforeAll(async () => {
    s = await startTestServer({
      tenants: ['a', 'b'],
      yaml: [
        'allowlist:',
        '  enabled: true',
        '  remediation: [10.50.0.0/28]',
        '  dns: [10.0.0.53]',
        '  portal_url: https://portal.kenneki.test/',
        `  gateways: [{ name: gw-a, secret: ${SECRET_A}, tenants: [a] }, { name: gw-ab, secret: ${SECRET_AB}, tenants: [a, b] }]`,
        '',
      ].join('\n'),
    });
    const view = s.server.ctx.addresses!;
    for (const [t, ip, mac] of [['a', '10.77.0.10', '02:00:00:00:77:0a'], ['b', '10.77.0.11', '02:00:00:00:77:0b']] as const) {
      const l = lease(t, ip, mac);
      await s.server.ctx.store.dhcpLeases.bind(l, l.updatedAt);
    }
    await view.refresh();
  });

  test('a gateway credential gets its tenants only: the snapshot, the policy, then changes', async () => {
    const view = s.server.ctx.addresses!;
    const lines = await readStream(SECRET_A, (l) => l.some((x) => x.type === 'changes'), () => {
      // Tenant b first: gw-a must never see it; then tenant a's change.
      view.noteLease(lease('b', '10.77.0.21', '02:00:00:00:77:1b'));
      setTimeout(() => view.noteLease(lease('a', '10.77.0.20', '02:00:00:00:77:1a')), 20);
    });
    const [snapshot, ...rest] = lines;
    expect(snapshot).toMatchObject({ type: 'snapshot', gateway: 'gw-a' });
    expect(snapshot.entries).toEqual([{ tenantId: 'a', ip: '10.77.0.10', mac: '02:00:00:00:77:0a', access: 'quarantined' }]);
    expect(snapshot.policy).toEqual({
      remediation: ['10.50.0.0/28'],
      services: [{ ip: '10.0.0.53', proto: 'udp', port: 53 }, { ip: '10.0.0.53', proto: 'tcp', port: 53 }],
      portalUrl: 'https://portal.kenneki.test/',
    });
    const changes = rest.filter((x) => x.type === 'changes').flatMap((x) => x.changes);
    expect(changes).toEqual([{ tenantId: 'a', ip: '10.77.0.20', entry: { ip: '10.77.0.20', mac: '02:00:00:00:77:1a', access: 'quarantined' } }]);
  });

  test('a gateway of two tenants gets both', async () => {
    const [snapshot] = await readStream(SECRET_AB, (l) => l.length >= 1);
    expect(snapshot.entries.map((e: { tenantId: string; ip: string }) => `${e.tenantId} ${e.ip}`).sort()).toEqual(['a 10.77.0.10', 'a 10.77.0.20', 'b 10.77.0.11', 'b 10.77.0.21']);
  });

  test('admin tokens, device credentials, garbage and a missing header are all 401', async () => {
    const device = await enrollEndpoint(s, s.adminToken['a']!, { mac: '02:00:00:00:77:99' });
    for (const auth of [`Bearer ${s.adminToken['a']}`, `Device ${device.credential}`, `Bearer ${device.credential}`, `Device ${SECRET_A}`, 'Bearer x', `Bearer ${SECRET_A}x`, undefined]) {
      const r = await fetch(`${s.url}/api/v1/gateway/stream`, { headers: auth ? { authorization: auth } : {} });
      expect(r.status, String(auth)).toBe(401);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('KENNEKI_ERR_UNAUTHENTICATED');
    }
  });
});

// The server of the first block serves the drift block too.
afterAll(async () => s?.close());

describe('drift reports from remote gateways', () => {
  const post = (auth: string, body: unknown) => fetch(`${s.url}/api/v1/gateway/drift`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const drifted = async (tenant: string) => {
    const r = await s.api(s.adminToken[tenant]!, 'GET', '/api/v1/audit?action=allowlist.drift-repaired');
    return (r.json.items as { actor: string; after?: { drift: string[] } }[]).map((x) => `${x.actor} ${x.after?.drift.join(';')}`);
  };

  test("are audited in each of the gateway's tenants, and only theirs", async () => {
    expect((await post(`Bearer ${SECRET_A}`, { table: 'kenneki', drift: ['table missing'] })).status).toBe(204);
    expect((await post(`Bearer ${SECRET_AB}`, { table: 'kenneki', drift: ['set allowed: 1 unexpected element(s): 10.0.0.9'] })).status).toBe(204);
    expect(await drifted('a')).toEqual(expect.arrayContaining(['gateway:gw-a table missing', 'gateway:gw-ab set allowed: 1 unexpected element(s): 10.0.0.9']));
    expect(await drifted('b')).toEqual(['gateway:gw-ab set allowed: 1 unexpected element(s): 10.0.0.9']);
  });

  test('need a gateway credential and a well-formed body', async () => {
    expect((await post(`Bearer ${s.adminToken['a']}`, { table: 'kenneki', drift: ['x'] })).status).toBe(401);
    for (const bad of [{}, { table: 'kenneki', drift: [] }, { table: 'kenneki', drift: ['x'.repeat(1001)] }, { table: 'kenneki', drift: ['x'], extra: 1 }]) {
      expect((await post(`Bearer ${SECRET_A}`, bad)).status, JSON.stringify(bad).slice(0, 80)).toBe(400);
    }
  });
});

describe('the stream client against hostile servers', () => {
  let server: Server;
  let respond: (write: (s: string) => void, end: () => void) => void = () => {};
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      respond((x) => res.write(x), () => res.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('refuses plain http except to loopback', () => {
    expect(() => checkServerUrl('http://10.0.0.1:8443')).toThrow(/refused: verdicts travel over TLS/);
    expect(() => checkServerUrl('not a url')).toThrow(/is not a URL/);
    expect(checkServerUrl('http://127.0.0.1:1').hostname).toBe('127.0.0.1');
    expect(checkServerUrl('https://policy.example:8443').protocol).toBe('https:');
  });

  test('property: arbitrary lines never reach the table unless well-formed, never throw, and a bad line ends the connection', async () => {
    const good = JSON.stringify({ type: 'snapshot', gateway: 'g', policy: { remediation: [], services: [] }, entries: [{ tenantId: 't', ip: '10.0.0.1', access: 'allowed' }] });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 60 }),
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc.record({ type: fc.constantFrom('snapshot', 'changes', 'ping', 'other'), entries: fc.anything(), changes: fc.anything(), policy: fc.anything() }).map((v) => JSON.stringify(v)),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        async (lines) => {
          const snapshots: unknown[] = [];
          const changes: unknown[] = [];
          let disconnected = '';
          respond = (write, end) => {
            write(`${good}\n`);
            for (const l of lines) write(`${l.replace(/\n/g, ' ')}\n`);
            setTimeout(end, 10);
          };
          await new Promise<void>((resolve) => {
            const client = new StreamClient({
              serverUrl: `http://127.0.0.1:${port}`,
              credential: 'c'.repeat(32),
              log: pino({ level: 'silent' }),
              onSnapshot: async (_p, entries) => void snapshots.push(entries),
              onChanges: (c) => void changes.push(c),
              onDisconnected: (why) => {
                disconnected = why;
                client.stop();
                resolve();
              },
            });
            client.start();
          });
          expect(disconnected).not.toBe('');
          // Everything handed over is well-formed: strings where strings belong, a known access class.
          for (const batch of [...snapshots, ...changes] as { ip: string; access?: string; entry?: { access: string } }[][]) {
            for (const e of batch) {
              expect(typeof e.ip).toBe('string');
              const access = e.access ?? e.entry?.access;
              if (access !== undefined) expect(['allowed', 'quarantined', 'denied']).toContain(access);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

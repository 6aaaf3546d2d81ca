import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { isKennekiError, type KennekiError } from '../errors.js';
import { defaultConfig, loadConfig, redactedConfig } from './load.js';

const EXAMPLE = new URL('./kenneki.example.yaml', import.meta.url).pathname;

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kenneki-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a fresh file in the temp dir and returns its path. */
function file(text: string): string {
  const p = join(dir, `cfg-${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

function loadError(opts: Parameters<typeof loadConfig>[0]): KennekiError {
  try {
    loadConfig(opts);
  } catch (e) {
    if (isKennekiError(e)) return e;
    throw e;
  }
  throw new Error('expected loadConfig to throw');
}

describe('defaults', () => {
  it('without a file returns the documented defaults with absolute paths', () => {
    expect(loadConfig({ cwd: '/srv/kenneki' })).toEqual({
      data_dir: '/srv/kenneki/data',
      log: { level: 'info' },
      http: { host: '127.0.0.1', port: 8080, trust_proxy: false, body_limit_bytes: 1048576 },
      store: { driver: 'sqlite', path: '/srv/kenneki/data/kenneki.db', writer_thread: true },
      tenants: [{ id: 'default', name: 'Default' }],
      admin: { bootstrap_user: 'admin' },
      posture: { stale_after_hours: 24, unknown_endpoint_verdict: 'isolate', retention_days: 30, reevaluate_interval_seconds: 60 },
      pt_tls: {
        enabled: true,
        host: '127.0.0.1',
        port: 271,
        tenant: 'default',
        client_auth: 'sasl-plain',
        vendor_id: 32473,
        server_key: 'ecdsa-p256',
        server_names: ['localhost', '127.0.0.1'],
        idle_timeout_seconds: 60,
        handshake_timeout_seconds: 10,
        max_connections: 1000,
        limits: { max_message_bytes: 128 * 16384 - 16, max_round_trips: 2, max_batches: 64 },
      },
      identity: { directories: [] },
      radius: {
        enabled: false,
        host: '0.0.0.0',
        auth_port: 1812,
        acct_port: 1813,
        unknown_mac: 'quarantine',
        vlans: {},
        roles: {},
        quarantine_session_timeout_seconds: 300,
        workers: 0,
        duplicate_window_seconds: 5,
        coa: { enabled: true, timeout_ms: 1000, retries: 2 },
        eap: { methods: ['tls', 'ttls-pap', 'peap-mschapv2'], client_ca_files: [], state_timeout_seconds: 30, max_round_trips: 50, fragment_bytes: 1000, resumption_seconds: 3600, crl_files: [], tls_engine: 'auto', threads: 0 },
        clients: [],
      },
      dhcp: { enabled: false, host: '0.0.0.0', port: 67, unknown_mac: 'quarantine', offer_hold_seconds: 30, decline_hold_seconds: 600, scopes: [] },
      allowlist: {
        enabled: false, tenants: [], remediation: [], services: [], dns: [], agent_address_ttl_seconds: 3600, refresh_seconds: 60, gateways: [],
        local: { enabled: false, table: 'kenneki', client_networks: [], direct_interfaces: [], reconcile_seconds: 60, nft: 'nft' },
      },
    });
  });

  it('pt_tls.tenant defaults to the first configured tenant, and an explicit one is kept', () => {
    const two = 'tenants:\n  - {id: acme, name: A}\n  - {id: beta, name: B}\n';
    expect(loadConfig({ file: file(two), env: {} }).pt_tls.tenant).toBe('acme');
    const cfg = loadConfig({ file: file(`${two}pt_tls: {tenant: beta, port: 0, client_auth: mutual-tls, server_names: [nac.example.net, "10.0.0.1"]}\n`), env: {} });
    expect(cfg.pt_tls).toMatchObject({ tenant: 'beta', port: 0, client_auth: 'mutual-tls', server_names: ['nac.example.net', '10.0.0.1'] });
  });

  it('defaultConfig() equals loadConfig() without a file', () => {
    expect(defaultConfig({ cwd: '/x' })).toEqual(loadConfig({ cwd: '/x' }));
    expect(defaultConfig().data_dir).toBe(join(process.cwd(), 'data'));
  });

  it('returns independent copies (defaults are not shared mutable state)', () => {
    const a = defaultConfig();
    a.tenants.push({ id: 'x', name: 'X' });
    a.http.port = 1;
    expect(defaultConfig().tenants).toHaveLength(1);
    expect(defaultConfig().http.port).toBe(8080);
  });

  test.each([
    ['an empty file', ''],
    ['a comment-only file', '# nothing here\n'],
    ['an empty mapping', '{}\n'],
  ])('%s loads as the defaults', (_name, text) => {
    expect(loadConfig({ file: file(text), cwd: '/x' })).toEqual(defaultConfig({ cwd: '/x' }));
  });

  it('fills defaults inside partially given sections', () => {
    const cfg = loadConfig({ file: file('http:\n  port: 9000\nposture:\n  retention_days: 7\n'), cwd: '/x' });
    expect(cfg.http).toEqual({ host: '127.0.0.1', port: 9000, trust_proxy: false, body_limit_bytes: 1048576 });
    expect(cfg.posture.retention_days).toBe(7);
    expect(cfg.posture.stale_after_hours).toBe(24);
  });

  it('fills the other pt_tls.limits when one is given, and keeps the boundary values', () => {
    const cfg = loadConfig({ file: file('pt_tls:\n  limits: {max_batches: 1}\n'), cwd: '/x' });
    expect(cfg.pt_tls.limits).toEqual({ max_message_bytes: 2097136, max_round_trips: 2, max_batches: 1 });
    const edge = loadConfig({ file: file('pt_tls:\n  limits: {max_message_bytes: 16777216, max_round_trips: 0, max_batches: 10000}\n'), cwd: '/x' });
    expect(edge.pt_tls.limits).toEqual({ max_message_bytes: 16777216, max_round_trips: 0, max_batches: 10000 });
  });
});

describe('the example file', () => {
  it('loads and documents exactly the defaults', () => {
    expect(loadConfig({ file: EXAMPLE, cwd: '/x', env: {} })).toEqual(defaultConfig({ cwd: '/x' }));
  });

  it('still loads with its commented-out tls and secret blocks enabled', () => {
    const secret = join(dir, 'example-secret');
    writeFileSync(secret, 'correct-horse-battery-staple\n');
    const text = readFileSync(EXAMPLE, 'utf8')
      .replace(/^(\s*)# (tls:|  cert_file:|  key_file:|bootstrap_password: \{ file)/gm, '$1$2')
      .replaceAll('/run/secrets/kenneki_admin', secret);
    const cfg = loadConfig({ file: file(text), cwd: '/x', env: {} });
    expect(cfg.http.tls).toEqual({ cert_file: '/etc/kenneki/tls.crt', key_file: '/etc/kenneki/tls.key' });
    expect(cfg.admin.bootstrap_password).toBe('correct-horse-battery-staple');
  });
});

describe('invalid configurations', () => {
  test.each([
    ['http:\n  port: 70000\n', 'http.port: must be <= 65535'],
    ['http:\n  port: -1\n', 'http.port: must be >= 0'],
    ['http:\n  port: "8080"\n', 'http.port: must be an integer'],
    ['http:\n  trust_proxy: yes\n', 'http.trust_proxy: must be a boolean'],
    ['http:\n  body_limit_bytes: 1023\n', 'http.body_limit_bytes: must be >= 1024'],
    ['http:\n  body_limit_bytes: 67108865\n', 'http.body_limit_bytes: must be <= 67108864'],
    ['http:\n  host: ""\n', 'http.host: must be at least 1 character'],
    ['http:\n  tls:\n    cert_file: /a.crt\n', 'http.tls.key_file: is required'],
    ['http:\n  tlss: {}\n', 'http.tlss: unknown key'],
    ['htpp: {}\n', 'htpp: unknown key'],
    ['"odd key": 1\n', '["odd key"]: unknown key'],
    ['log:\n', 'log: must be a mapping'],
    ['log:\n  level: verbose\n', 'log.level: must be one of: trace, debug, info, warn, error, fatal, silent'],
    ['store:\n  driver: postgres\n', 'store.driver: must be one of: sqlite'],
    ['store:\n  path: ../elsewhere.db\n', 'store.path: must name a file inside data_dir when relative (use an absolute path to go elsewhere)'],
    ['data_dir: ""\n', 'data_dir: must be at least 1 character'],
    ['tenants: []\n', 'tenants: must have at least 1 item'],
    ['tenants: {id: a}\n', 'tenants: must be a list'],
    ['tenants:\n  - id: a\n', 'tenants[0].name: is required'],
    ['tenants:\n  - {id: default, name: D}\n  - {id: Acme, name: A}\n', 'tenants[1].id: must match ^[a-z0-9][a-z0-9-]{0,62}$'],
    ['tenants:\n  - {id: a, name: A, plan: gold}\n', 'tenants[0].plan: unknown key'],
    ['admin:\n  bootstrap_user: "bad user"\n', 'admin.bootstrap_user: must match ^[A-Za-z0-9._@-]{1,64}$'],
    ['admin:\n  bootstrap_password: tooshort\n', 'admin.bootstrap_password: must be at least 16 characters'],
    ['admin:\n  bootstrap_password: 42\n', 'admin.bootstrap_password: must be a string, { file: ... } or { env: ... }'],
    ['admin:\n  bootstrap_password: {}\n', 'admin.bootstrap_password: must be a string, { file: ... } or { env: ... }'],
    ['admin:\n  bootstrap_password: {file: /a, env: B}\n', 'admin.bootstrap_password: must be a string, { file: ... } or { env: ... }'],
    ['admin:\n  bootstrap_password: {file: 1}\n', 'admin.bootstrap_password.file: must be a string'],
    ['admin:\n  bootstrap_password: {env: not-a-name}\n', 'admin.bootstrap_password.env: must match ^[A-Za-z_][A-Za-z0-9_]*$'],
    ['admin:\n  bootstrap_password: {file: /a, mode: 1}\n', 'admin.bootstrap_password.mode: unknown key'],
    ['posture:\n  stale_after_hours: 0\n', 'posture.stale_after_hours: must be >= 1'],
    ['posture:\n  stale_after_hours: 8761\n', 'posture.stale_after_hours: must be <= 8760'],
    ['posture:\n  unknown_endpoint_verdict: allow\n', 'posture.unknown_endpoint_verdict: must be one of: isolate, deny'],
    ['posture:\n  retention_days: 1.5\n', 'posture.retention_days: must be an integer'],
    ['posture:\n  retention_days: 3651\n', 'posture.retention_days: must be <= 3650'],
    ['posture:\n  reevaluate_interval_seconds: 4\n', 'posture.reevaluate_interval_seconds: must be >= 5'],
    ['pt_tls:\n  port: 65536\n', 'pt_tls.port: must be <= 65535'],
    ['pt_tls:\n  client_auth: password\n', 'pt_tls.client_auth: must be one of: none, sasl-plain, mutual-tls'],
    ['pt_tls:\n  tenant: acme\n', 'pt_tls.tenant: must be one of the configured tenants ("default")'],
    ['pt_tls:\n  server_names: ["bad name"]\n', 'pt_tls.server_names[0]: must be a DNS name or an IP address'],
    ['pt_tls:\n  server_names: []\n', 'pt_tls.server_names: must have at least 1 item'],
    ['pt_tls:\n  max_connection: 5\n', 'pt_tls.max_connection: unknown key'],
    ['pt_tls:\n  limits:\n    max_message_bytes: 4095\n', 'pt_tls.limits.max_message_bytes: must be >= 4096'],
    ['pt_tls:\n  limits:\n    max_message_bytes: 16777217\n', 'pt_tls.limits.max_message_bytes: must be <= 16777216'],
    ['pt_tls:\n  limits:\n    max_round_trips: -1\n', 'pt_tls.limits.max_round_trips: must be >= 0'],
    ['pt_tls:\n  limits:\n    max_round_trips: 17\n', 'pt_tls.limits.max_round_trips: must be <= 16'],
    ['pt_tls:\n  limits:\n    max_batches: 0\n', 'pt_tls.limits.max_batches: must be >= 1'],
    ['pt_tls:\n  limits:\n    max_batches: 10001\n', 'pt_tls.limits.max_batches: must be <= 10000'],
    ['pt_tls:\n  limits:\n    max_batches: 2.5\n', 'pt_tls.limits.max_batches: must be an integer'],
    ['pt_tls:\n  limits:\n    max_batch: 5\n', 'pt_tls.limits.max_batch: unknown key'],
    ['- data_dir: /x\n', '(root): must be a mapping'],
    ['just a string\n', '(root): must be a mapping'],
  ])('%j → %s', (text, expected) => {
    const f = file(text);
    const e = loadError({ file: f, env: {} });
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.details).toEqual({ problems: [expected] });
    expect(e.message).toBe(`invalid configuration in ${f}:\n  ${expected}`);
  });

  it('reports every problem at once, sorted by path, schema and semantic together', () => {
    const f = file(
      [
        'posture: {retention_days: 0}',
        'http: {port: 70000, tlss: 1}',
        'tenants:',
        ...Array.from({ length: 11 }, (_, i) => `  - {id: t${i % 10}, name: T}`),
        '  - {id: BAD, name: T}',
      ].join('\n'),
    );
    const e = loadError({ file: f });
    expect(e.details?.problems).toEqual([
      'http.port: must be <= 65535',
      'http.tlss: unknown key',
      'posture.retention_days: must be >= 1',
      'tenants[10].id: duplicate tenant id "t0"',
      'tenants[11].id: must match ^[a-z0-9][a-z0-9-]{0,62}$',
    ]);
    expect(e.message.split('\n')).toEqual([`invalid configuration in ${f}:`, ...(e.details?.problems as string[]).map((l) => `  ${l}`)]);
  });

  it('rejects duplicate tenant ids, naming the later entry', () => {
    const e = loadError({ file: file('tenants:\n  - {id: default, name: D}\n  - {id: acme, name: A}\n  - {id: acme, name: B}\n') });
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.details?.problems).toEqual(['tenants[2].id: duplicate tenant id "acme"']);
  });

  it('rejects an unknown top-level key and an unknown nested key', () => {
    const e = loadError({ file: file('loglevel: debug\nposture:\n  retention: 3\n') });
    expect(e.details?.problems).toEqual(['loglevel: unknown key', 'posture.retention: unknown key']);
  });
});

describe('YAML problems', () => {
  it('reports a syntax error with line:col', () => {
    const f = file('http:\n  port: 8080\n  host: a: b\nlog:\n  level: info\n');
    const e = loadError({ file: f });
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.message).toBe(`invalid configuration in ${f}:\n  3:9: Nested mappings are not allowed in compact mappings`);
    expect(e.details).toEqual({ problems: ['3:9: Nested mappings are not allowed in compact mappings'], line: 3, col: 9 });
    expect(e.cause).toBeInstanceOf(Error);
  });

  test.each([
    ['duplicate keys', 'log: {level: info}\nlog: {level: debug}\n', /^2:1: Map keys must be unique/],
    ['several documents', 'log: {}\n---\nhttp: {}\n', /multiple documents/],
    ['an unknown tag', 'data_dir: !vault secret/data\n', /^1:11: Unresolved tag: !vault/],
    ['an undefined alias', 'data_dir: *nowhere\n', /^\(root\): Unresolved alias/],
  ])('rejects %s', (_name, text, line) => {
    const e = loadError({ file: file(text) });
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.details?.problems).toEqual(expect.arrayContaining([expect.stringMatching(line)]));
  });

  it('refuses alias bombs instead of expanding them', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const e = loadError({ file: file(`${lines.join('\n')}\n`) });
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.details?.problems).toEqual([expect.stringMatching(/^\(root\): Excessive alias count/)]);
  });

  it('does not quote the source line, which may hold a secret', () => {
    const e = loadError({ file: file('admin:\n  bootstrap_password: hunter2hunter2hunter2: oops\n') });
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.message).not.toContain('hunter2');
    expect(JSON.stringify(e.details)).not.toContain('hunter2');
    expect(String((e.cause as Error).message)).not.toContain('hunter2');
  });
});

describe('unreadable files', () => {
  test.each([
    ['a missing file', () => join(dir, 'does-not-exist.yaml'), 'ENOENT'],
    ['a directory', () => dir, 'EISDIR'],
  ])('%s → KENNEKI_ERR_CONFIG_UNREADABLE with the cause', (_name, path, code) => {
    const f = path();
    const e = loadError({ file: f });
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_UNREADABLE');
    expect(e.message).toBe(`cannot read configuration file ${f} (${code})`);
    expect((e.cause as NodeJS.ErrnoException).code).toBe(code);
  });
});

describe('paths', () => {
  test.each([
    ['relative data_dir and store.path', 'data_dir: var/k\nstore: {path: db/k.db}\n', '/srv/var/k', '/srv/var/k/db/k.db'],
    ['absolute data_dir', 'data_dir: /var/lib/kenneki\n', '/var/lib/kenneki', '/var/lib/kenneki/kenneki.db'],
    ['absolute store.path', 'data_dir: /d\nstore: {path: /other/k.db}\n', '/d', '/other/k.db'],
    ['store.path with a harmless ..', 'store: {path: sub/../k.db}\n', '/srv/data', '/srv/data/k.db'],
  ])('%s', (_name, text, dataDir, storePath) => {
    const cfg = loadConfig({ file: file(text), cwd: '/srv' });
    expect(cfg.data_dir).toBe(dataDir);
    expect(cfg.store.path).toBe(storePath);
  });

  it('resolves a relative config file and TLS files against cwd', () => {
    const f = file('http:\n  tls: {cert_file: tls/c.crt, key_file: /abs/k.key}\n');
    const cfg = loadConfig({ file: f.slice(dir.length + 1), cwd: dir });
    expect(cfg.http.tls).toEqual({ cert_file: join(dir, 'tls/c.crt'), key_file: '/abs/k.key' });
  });
});

describe('redactedConfig', () => {
  it('replaces secrets and leaves the original untouched', () => {
    const cfg = loadConfig({ file: file('admin:\n  bootstrap_password: {env: PW}\n'), env: { PW: 'a-very-long-secret-value' } });
    const red = redactedConfig(cfg);
    expect(red.admin.bootstrap_password).toBe('[redacted]');
    expect(JSON.stringify(red)).not.toContain('a-very-long-secret-value');
    expect(cfg.admin.bootstrap_password).toBe('a-very-long-secret-value');
    expect({ ...red, admin: { ...red.admin, bootstrap_password: cfg.admin.bootstrap_password } }).toEqual(cfg);
  });

  it('does not invent secrets that are absent', () => {
    expect(redactedConfig(defaultConfig())).toEqual(defaultConfig());
    expect('bootstrap_password' in redactedConfig(defaultConfig()).admin).toBe(false);
  });
});

describe('radius', () => {
  const base = 'radius:\n  enabled: true\n  clients:\n';
  const client = (over: string) => `    - { name: sw1, address: 10.1.0.0/16, secret: "a-long-shared-secret-1", ${over} }\n`;
  test.each([
    ['an enabled server without clients', 'radius: { enabled: true }', 'radius.clients'],
    ['a CIDR with host bits set', base + client('profile: generic').replace('10.1.0.0/16', '10.1.0.1/16'), 'radius.clients[0].address'],
    ['a short shared secret', base + '    - { name: sw1, address: 10.0.0.1, secret: "short" }\n', 'radius.clients[0].secret'],
    ['a tenant that does not exist', base + client('tenant: nowhere'), 'radius.clients[0].tenant'],
    ['two clients for one address', base + client('profile: generic') + client('profile: aruba').replace('sw1', 'sw2'), 'radius.clients[1].address'],
    ['duplicate names', base + client('profile: generic') + client('profile: aruba').replace('10.1.0.0/16', '10.2.0.0/16'), 'radius.clients[1].name'],
    ['cert_file without key_file', 'radius:\n  eap: { cert_file: /x.pem }', 'radius.eap.key_file'],
  ])('%s is refused, naming %s', (_what, yaml, path) => {
    const err = loadError({ file: file(yaml) });
    expect((err.details?.['problems'] as string[]).join('\n')).toContain(path);
  });

  test('a client secret may come from the environment and is redacted', () => {
    const cfg = loadConfig({ file: file('radius:\n  clients:\n    - { name: sw1, address: 10.0.0.1, secret: { env: RADIUS_SECRET } }\n'), env: { RADIUS_SECRET: 'from-the-environment-123' } });
    expect(cfg.radius.clients[0]!.secret).toBe('from-the-environment-123');
    expect(cfg.radius.clients[0]!.tenant).toBe('default');
    expect(JSON.stringify(redactedConfig(cfg))).not.toContain('from-the-environment-123');
  });
});

describe('dhcp', () => {
  const pools = (prod = '10.20.1.10-10.20.1.250', quar = '10.20.9.10-10.20.9.250') =>
    `    pools:\n      production: { subnet: 10.20.1.0/24, range: ${prod}, routers: [10.20.1.1], dns: [10.20.1.53], domain: corp.example }\n      quarantine: { subnet: 10.20.9.0/24, range: ${quar}, routers: [10.20.9.1], dns: [10.20.9.2] }\n`;
  const scope = (name: string, extra = '', p = pools()) => `  - name: ${name}\n${extra}${p}`;
  const on = 'dhcp:\n  enabled: true\n  server_id: 10.20.0.5\n  scopes:\n';

  test('a scope with both pools loads, with the documented defaults and the first tenant', () => {
    const cfg = loadConfig({ file: file(on + scope('hq')), env: {} });
    expect(cfg.dhcp.scopes[0]).toMatchObject({
      name: 'hq', tenant: 'default', direct: false,
      pools: { production: { lease_seconds: 3600, routers: ['10.20.1.1'], domain: 'corp.example' }, quarantine: { lease_seconds: 60, dns: ['10.20.9.2'] } },
    });
  });

  test.each([
    ['an enabled server without scopes', 'dhcp: { enabled: true, server_id: 10.0.0.1 }', 'dhcp.scopes'],
    ['an enabled server without server_id', 'dhcp:\n  enabled: true\n  scopes:\n' + scope('hq'), 'dhcp.server_id'],
    ['a range outside its subnet', on + scope('hq', '', pools('10.20.2.10-10.20.2.20')), 'dhcp.scopes[0].pools.production.range'],
    ['a range holding the broadcast address', on + scope('hq', '', pools('10.20.1.10-10.20.1.255')), 'dhcp.scopes[0].pools.production.range'],
    ['a reversed range', on + scope('hq', '', pools('10.20.1.20-10.20.1.10')), 'dhcp.scopes[0].pools.production.range'],
    ['overlapping pools in two scopes', on + scope('hq') + scope('branch'), 'dhcp.scopes[1].pools.production.range'],
    ['two direct scopes', on + scope('hq', '    direct: true\n') + scope('b', '    direct: true\n', pools('10.20.1.10-10.20.1.10', '10.20.9.10-10.20.9.10').replace(/10\.20\./g, '10.30.')), 'dhcp.scopes[1].direct'],
    ['duplicate scope names', on + scope('hq') + scope('hq', '', pools().replace(/10\.20\./g, '10.30.')), 'dhcp.scopes[1].name'],
    ['a tenant that does not exist', on + scope('hq', '    tenant: nowhere\n'), 'dhcp.scopes[0].tenant'],
    ['a quarantine pool missing', on + '  - name: hq\n    pools:\n      production: { subnet: 10.20.1.0/24, range: 10.20.1.10-10.20.1.20 }\n', 'dhcp.scopes[0].pools'],
    ['a router outside the pool subnet', on + scope('hq', '', pools().replace('routers: [10.20.1.1]', 'routers: [10.99.0.1]')), 'dhcp.scopes[0].pools.production.routers'],
    ['an http captive portal', on + scope('hq', '', pools().replace('dns: [10.20.9.2]', 'dns: [10.20.9.2], captive_portal: "http://portal"')), 'dhcp.scopes[0].pools.quarantine.captive_portal'],
  ])('%s is refused, naming %s', (_what, yaml, path) => {
    const err = loadError({ file: file(yaml) });
    expect((err.details?.['problems'] as string[]).join('\n')).toContain(path);
  });
});

describe('allowlist', () => {
  const secret = 'g'.repeat(32);
  test('a local gateway and a remote gateway credential load; the credential may come from the environment', () => {
    const cfg = loadConfig({
      file: file(
        'allowlist:\n  enabled: true\n  remediation: [10.50.0.10, 10.50.1.0/24]\n  dns: [10.0.0.53]\n  portal_url: https://nac.example/portal\n' +
          '  gateways:\n    - { name: branch-1, secret: { env: GW_SECRET }, tenants: [default] }\n' +
          '  local:\n    enabled: true\n    client_networks: [10.20.0.0/16]\n    direct_interfaces: [eth1]\n    portal_redirect_port: 8081\n',
      ),
      env: { GW_SECRET: secret },
    });
    expect(cfg.allowlist.gateways[0]).toEqual({ name: 'branch-1', secret, tenants: ['default'] });
    expect(cfg.allowlist.local).toMatchObject({ enabled: true, table: 'kenneki', client_networks: ['10.20.0.0/16'], portal_redirect_port: 8081 });
  });

  test.each([
    ['a remediation entry that is not an address', 'allowlist:\n  remediation: [patches.example]\n', 'allowlist.remediation[0]'],
    ['a remediation network with host bits set', 'allowlist:\n  remediation: [10.50.0.1/24]\n', 'allowlist.remediation[0]'],
    ['a client network that is not a CIDR', 'allowlist:\n  local:\n    client_networks: [10.20.0.0]\n', 'allowlist.local.client_networks[0]'],
    ['a local gateway with the allow-list off', 'allowlist:\n  local: { enabled: true, client_networks: [10.20.0.0/16] }\n', 'allowlist.local.enabled'],
    ['a local gateway without client networks', 'allowlist:\n  enabled: true\n  local: { enabled: true }\n', 'allowlist.local.client_networks'],
    ['a table name nft would read as syntax', 'allowlist:\n  local: { table: "k; flush ruleset" }\n', 'allowlist.local.table'],
    ['an interface name with a quote', 'allowlist:\n  local: { direct_interfaces: [\'eth"0\'] }\n', 'allowlist.local.direct_interfaces[0]'],
    ['a short gateway secret', `allowlist:\n  gateways: [{ name: a, secret: short, tenants: [default] }]\n`, 'allowlist.gateways[0].secret'],
    ['a gateway without tenants', `allowlist:\n  gateways: [{ name: a, secret: ${secret} }]\n`, 'allowlist.gateways[0].tenants'],
    ['a gateway of an unknown tenant', `allowlist:\n  gateways: [{ name: a, secret: ${secret}, tenants: [nowhere] }]\n`, 'allowlist.gateways[0].tenants[0]'],
    ['two gateways of one name', `allowlist:\n  gateways: [{ name: a, secret: ${secret}, tenants: [default] }, { name: a, secret: ${secret}, tenants: [default] }]\n`, 'allowlist.gateways[1].name'],
    ['an http portal', 'allowlist:\n  portal_url: http://portal\n', 'allowlist.portal_url'],
  ])('%s is refused, naming %s', (_what, yaml, path) => {
    const err = loadError({ file: file(yaml) });
    expect((err.details?.['problems'] as string[]).join('\n')).toContain(path);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.js';
import { resolveDirectories, type ResolvedDirectory } from './config-rules.js';
import { errorOf } from '../config/error-of.test-helper.js';

// Only the PEM armour is checked at load; the TLS handshake is where the certificate itself counts.
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZmFrZQ==\n-----END CERTIFICATE-----\n';

let dir: string;
let caFile: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kenneki-identity-config-'));
  caFile = join(dir, 'directory-ca.pem');
  writeFileSync(caFile, CA_PEM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Dir = Record<string, unknown>;

function directory(over: Dir = {}): Dir {
  return {
    name: 'corp',
    type: 'openldap',
    urls: ['ldaps://ldap.example.org'],
    tls: { ca_file: caFile },
    bind_dn: 'cn=kenneki,ou=services,dc=example,dc=org',
    bind_password: 'a-long-enough-secret',
    base_dn: 'dc=example,dc=org',
    ...over,
  };
}

function configFile(directories: Dir[], top: Record<string, unknown> = {}): string {
  const file = join(dir, `kenneki-${n++}.yaml`);
  writeFileSync(file, stringify({ ...top, identity: { directories } }));
  return file;
}

function resolved(directories: Dir[], top: Record<string, unknown> = {}): ResolvedDirectory[] {
  return resolveDirectories(loadConfig({ file: configFile(directories, top), env: {}, cwd: dir }), dir);
}


/** The `<path>: <reason>` lines of a config that fails to load. */
function problems(directories: Dir[], top: Record<string, unknown> = {}): string[] {
  const e = errorOf(() => loadConfig({ file: configFile(directories, top), env: {}, cwd: dir }));
  expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
  return e.details?.problems as string[];
}

describe('profile defaults', () => {
  it('openldap: uid logins, memberOf membership, device objects by cn, no primary group', () => {
    const [d] = resolved([directory({ type: 'openldap' })]);
    expect(d).toMatchObject({
      type: 'openldap',
      users: { baseDn: 'dc=example,dc=org', loginAttribute: 'uid', objectClass: 'inetOrgPerson' },
      groups: { baseDn: 'dc=example,dc=org', membership: 'member-of', nested: true, maxDepth: 8, name: 'cn', objectClass: 'groupOfNames', memberAttribute: 'member' },
      computers: { baseDn: 'dc=example,dc=org', objectClass: 'device', hostnameAttributes: ['cn'] },
      primaryGroup: false,
    });
  });

  it('active-directory: sAMAccountName logins, in-chain membership, dNSHostName first, primary group', () => {
    const [d] = resolved([directory({ type: 'active-directory' })]);
    expect(d).toMatchObject({
      type: 'active-directory',
      users: { loginAttribute: 'sAMAccountName', objectClass: 'user' },
      groups: { membership: 'in-chain', objectClass: 'group', memberAttribute: 'member' },
      computers: { objectClass: 'computer', hostnameAttributes: ['dNSHostName', 'sAMAccountName', 'cn'] },
      primaryGroup: true,
    });
  });

  it('fills the numeric defaults and converts the cache times to milliseconds', () => {
    const [d] = resolved([directory()]);
    expect(d).toMatchObject({
      name: 'corp',
      urls: ['ldaps://ldap.example.org'],
      bindDn: 'cn=kenneki,ou=services,dc=example,dc=org',
      bindPassword: 'a-long-enough-secret',
      baseDn: 'dc=example,dc=org',
      pageSize: 500,
      connectTimeoutMs: 3000,
      operationTimeoutMs: 5000,
      cache: { ttlMs: 900_000, outageWindowMs: 86_400_000 },
      failMode: 'isolate',
    });
  });

  it('applies the directory overrides over the profile', () => {
    const [d] = resolved([
      directory({
        type: 'active-directory',
        users: { base_dn: 'ou=people,dc=example,dc=org', login_attribute: 'userPrincipalName', object_class: 'person' },
        groups: { base_dn: 'ou=groups,dc=example,dc=org', membership: 'member-of', nested: false, max_depth: 3, name: 'dn' },
        computers: { base_dn: 'ou=hosts,dc=example,dc=org', object_class: 'ipHost', hostname_attributes: ['ipHostNumber'] },
        page_size: 100,
        connect_timeout_ms: 1000,
        operation_timeout_ms: 2000,
        cache: { ttl_seconds: 60, outage_window_seconds: 0 },
        fail_mode: 'reject',
      }),
    ]);
    expect(d).toMatchObject({
      users: { baseDn: 'ou=people,dc=example,dc=org', loginAttribute: 'userPrincipalName', objectClass: 'person' },
      groups: { baseDn: 'ou=groups,dc=example,dc=org', membership: 'member-of', nested: false, maxDepth: 3, name: 'dn', objectClass: 'group' },
      computers: { baseDn: 'ou=hosts,dc=example,dc=org', objectClass: 'ipHost', hostnameAttributes: ['ipHostNumber'] },
      primaryGroup: true,
      pageSize: 100,
      connectTimeoutMs: 1000,
      operationTimeoutMs: 2000,
      cache: { ttlMs: 60_000, outageWindowMs: 0 },
      failMode: 'reject',
    });
  });
});

describe('TLS', () => {
  test.each([
    ['ldaps:// implies ldaps', ['ldaps://dc1.example.org:636'], 'ldaps'],
    ['ldap:// implies starttls', ['ldap://ldap.example.org'], 'starttls'],
    ['the first URL decides', ['ldap://a.example.org', 'ldap://b.example.org'], 'starttls'],
  ])('%s', (_name, urls, mode) => {
    const [d] = resolved([directory({ urls })]);
    expect(d!.tls.mode).toBe(mode);
  });

  it('loads the CA and keeps the server name', () => {
    const [d] = resolved([directory({ tls: { mode: 'starttls', ca_file: 'directory-ca.pem', server_name: 'ldap.example.org' }, urls: ['ldap://10.0.0.5'] })]);
    expect(d!.tls).toEqual({ mode: 'starttls', caPem: CA_PEM, serverName: 'ldap.example.org' });
  });

  test.each([
    ['127.0.0.1', 'ldap://127.0.0.1:3890'],
    ['another 127/8 address', 'ldap://127.1.2.3'],
    ['localhost', 'ldap://localhost'],
    ['[::1]', 'ldap://[::1]:389'],
  ])('plaintext is allowed for loopback: %s', (_name, url) => {
    const [d] = resolved([directory({ urls: [url], tls: { mode: 'none' } })]);
    expect(d!.tls).toEqual({ mode: 'none' });
  });

  test.each([
    ['a DNS name', 'ldap://ldap.example.org'],
    ['a private address', 'ldap://10.0.0.5'],
    ['a name that starts like loopback', 'ldap://localhost.example.org'],
    ['an IPv6 address', 'ldap://[2001:db8::1]'],
  ])('plaintext is refused for %s', (_name, url) => {
    expect(problems([directory({ urls: [url], tls: { mode: 'none' } })])).toEqual([
      'identity.directories[0].urls[0]: tls.mode none is allowed only for loopback addresses; use ldaps or starttls with tls.ca_file',
    ]);
  });

  it('plaintext is refused when any one of the URLs is not loopback', () => {
    expect(problems([directory({ urls: ['ldap://127.0.0.1', 'ldap://ldap.example.org'], tls: { mode: 'none' } })])).toEqual([
      'identity.directories[0].urls[1]: tls.mode none is allowed only for loopback addresses; use ldaps or starttls with tls.ca_file',
    ]);
  });

  test.each([
    ['ldaps', ['ldaps://dc1.example.org'], {}],
    ['starttls', ['ldap://ldap.example.org'], {}],
    ['an explicit starttls', ['ldap://ldap.example.org'], { mode: 'starttls' }],
  ])('ca_file is required with %s', (_name, urls, tls) => {
    const lines = problems([directory({ urls, tls })]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^identity\.directories\[0\]\.tls\.ca_file: is required with tls\.mode (ldaps|starttls)/);
  });

  it('ca_file is required even when the tls block is absent', () => {
    const { tls: _tls, ...noTls } = directory();
    expect(problems([noTls])).toEqual([expect.stringMatching(/^identity\.directories\[0\]\.tls\.ca_file: is required with tls\.mode ldaps/)]);
  });

  test.each([
    ['ldaps with an ldap:// URL', 'ldaps', 'ldap://ldap.example.org', 'must be ldaps:// when tls.mode is ldaps'],
    ['starttls with an ldaps:// URL', 'starttls', 'ldaps://ldap.example.org', 'must be ldap:// when tls.mode is starttls'],
    ['none with an ldaps:// URL', 'none', 'ldaps://127.0.0.1', 'must be ldap:// when tls.mode is none'],
  ])('scheme and mode must agree: %s', (_name, mode, url, reason) => {
    expect(problems([directory({ urls: [url], tls: { mode, ca_file: caFile } })])).toEqual([`identity.directories[0].urls[0]: ${reason}`]);
  });

  it('URLs after the first must use the same scheme', () => {
    expect(problems([directory({ urls: ['ldaps://dc1.example.org', 'ldap://dc2.example.org'] })])).toEqual([
      'identity.directories[0].urls[1]: must be ldaps:// when tls.mode is ldaps',
    ]);
  });

  it('an unreadable ca_file is a config error naming the key and the file', () => {
    const cfg = loadConfig({ file: configFile([directory(), directory({ name: 'lab', tls: { ca_file: 'missing-ca.pem' } })]), env: {}, cwd: dir });
    const e = errorOf(() => resolveDirectories(cfg, dir));
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.message).toBe(`identity.directories[1].tls.ca_file: cannot read ${join(dir, 'missing-ca.pem')} (ENOENT)`);
  });

  it('a ca_file that is a directory is a config error', () => {
    const cfg = loadConfig({ file: configFile([directory({ tls: { ca_file: dir } })]), env: {}, cwd: dir });
    const e = errorOf(() => resolveDirectories(cfg, dir));
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/^identity\.directories\[0\]\.tls\.ca_file: cannot read .* \(EISDIR\)$/);
  });

  test.each([
    ['a private key', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n'],
    ['DER bytes', '\x30\x82\x01\x0a'],
    ['an empty file', ''],
  ])('a ca_file holding %s is a config error', (_name, content) => {
    const file = join(dir, `not-a-ca-${n++}.pem`);
    writeFileSync(file, content);
    const cfg = loadConfig({ file: configFile([directory({ tls: { ca_file: file } })]), env: {}, cwd: dir });
    const e = errorOf(() => resolveDirectories(cfg, dir));
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.message).toBe(`identity.directories[0].tls.ca_file: ${file} holds no PEM certificate`);
  });

  it('a plaintext directory needs no CA and loads none', () => {
    const [d] = resolved([directory({ urls: ['ldap://127.0.0.1'], tls: { mode: 'none', ca_file: 'missing-ca.pem' } })]);
    expect(d!.tls).toEqual({ mode: 'none' });
  });
});

describe('tenants and names', () => {
  const tenants = { tenants: [{ id: 'acme', name: 'Acme' }, { id: 'beta', name: 'Beta' }] };

  it('a directory belongs to the first tenant unless it names one', () => {
    const [a, b] = resolved([directory(), directory({ name: 'beta-ldap', tenant: 'beta' })], tenants);
    expect(a!.tenantId).toBe('acme');
    expect(b!.tenantId).toBe('beta');
  });

  it('without configured tenants the directory belongs to the default tenant', () => {
    expect(resolved([directory()])[0]!.tenantId).toBe('default');
  });

  it('an unknown tenant is refused', () => {
    expect(problems([directory({ tenant: 'gamma' })], tenants)).toEqual(['identity.directories[0].tenant: must be one of the configured tenants ("acme", "beta")']);
  });

  it('an unknown tenant is refused against the default tenant too', () => {
    expect(problems([directory({ tenant: 'acme' })])).toEqual(['identity.directories[0].tenant: must be one of the configured tenants ("default")']);
  });

  it('duplicate names are refused', () => {
    expect(problems([directory(), directory({ type: 'active-directory' })])).toEqual(['identity.directories[1].name: duplicate directory name "corp"']);
  });

  it('in-chain membership is refused for OpenLDAP', () => {
    expect(problems([directory({ groups: { membership: 'in-chain' } })])).toEqual([
      'identity.directories[0].groups.membership: in-chain is Active Directory only: OpenLDAP answers it with no entries; use member-of or group-search',
    ]);
  });
});

describe('schema', () => {
  test.each([
    ['at the directory', { bind_pasword: 'x' }, 'identity.directories[0].bind_pasword: unknown key'],
    ['in tls', { tls: { ca_file: caFile, ca_flie: 'x' } }, 'identity.directories[0].tls.ca_flie: unknown key'],
    ['in users', { users: { login_atribute: 'mail' } }, 'identity.directories[0].users.login_atribute: unknown key'],
    ['in groups', { groups: { nestd: false } }, 'identity.directories[0].groups.nestd: unknown key'],
    ['in cache', { cache: { ttl: 60 } }, 'identity.directories[0].cache.ttl: unknown key'],
  ])('a misspelt key is refused %s', (_name, over, line) => {
    expect(problems([directory(over)])).toContain(line);
  });

  it('a misspelt key under identity is refused', () => {
    const file = join(dir, `kenneki-${n++}.yaml`);
    writeFileSync(file, stringify({ identity: { directories: [directory()], directory: [] } }));
    const e = errorOf(() => loadConfig({ file, env: {}, cwd: dir }));
    expect(e.details?.problems).toEqual(['identity.directory: unknown key']);
  });

  test.each([
    ['a URL with a path', { urls: ['ldaps://ldap.example.org/dc=example'] }, 'identity.directories[0].urls[0]'],
    ['an http URL', { urls: ['https://ldap.example.org'] }, 'identity.directories[0].urls[0]'],
    ['no URL', { urls: [] }, 'identity.directories[0].urls'],
    ['an unknown type', { type: 'freeipa' }, 'identity.directories[0].type'],
    ['a placeholder bind password', { bind_password: 'secret' }, 'identity.directories[0].bind_password'],
    ['a name with capitals', { name: 'Corp' }, 'identity.directories[0].name'],
  ])('%s is refused', (_name, over, path) => {
    expect(problems([directory(over)]).some((l) => l.startsWith(`${path}: `))).toBe(true);
  });
});

describe('every problem is reported at once', () => {
  it('two directories with two problems each give four lines in one error', () => {
    const lines = problems(
      [
        directory({ tenant: 'gamma', urls: ['ldap://ldap.example.org'], tls: { mode: 'none' } }),
        directory({ urls: ['ldaps://dc1.example.org'], tls: {} }),
      ],
      { tenants: [{ id: 'acme', name: 'Acme' }] },
    );
    expect(lines).toEqual([
      'identity.directories[0].tenant: must be one of the configured tenants ("acme")',
      'identity.directories[0].urls[0]: tls.mode none is allowed only for loopback addresses; use ldaps or starttls with tls.ca_file',
      'identity.directories[1].name: duplicate directory name "corp"',
      expect.stringMatching(/^identity\.directories\[1\]\.tls\.ca_file: is required with tls\.mode ldaps/),
    ]);
  });

  it('schema and directory rules are reported together', () => {
    const lines = problems([directory({ fail_mode: 'allow', urls: ['ldap://ldap.example.org'], tls: { mode: 'none' } })]);
    expect(lines).toEqual([
      'identity.directories[0].fail_mode: must be one of: isolate, deny, reject',
      'identity.directories[0].urls[0]: tls.mode none is allowed only for loopback addresses; use ldaps or starttls with tls.ca_file',
    ]);
  });

  it('the problem lines are the error message too', () => {
    const file = configFile([directory({ urls: ['ldap://ldap.example.org'], tls: { mode: 'none' } }), directory({ tls: {} })]);
    const e = errorOf(() => loadConfig({ file, env: {}, cwd: dir }));
    expect(e.message).toContain(file);
    for (const line of e.details?.problems as string[]) expect(e.message).toContain(line);
    expect((e.details?.problems as string[]).length).toBe(3);
  });
});

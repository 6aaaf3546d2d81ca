/**
 * The directory connector against a real OpenLDAP slapd (memberOf and refint overlays, loaded
 * over LDAP from the fixture): logins, nested groups, computers, paging, StartTLS and LDAPS with
 * a pinned CA, injection, failover.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DirectoryClient, eq } from '../policy/identity/directory-client.js';
import { resolveGroups } from '../policy/identity/group-resolver.js';
import { DirectoryUnavailable } from '../policy/identity/ldap-connection.js';
import { resolvedDirectories, slapdDirectory, type DirectoryYaml } from './helpers/directory.js';
import { SLAPD_SIZE_LIMIT, startSlapd, type Slapd } from './helpers/slapd.js';

const BULK = 3000;
let s: Slapd;
const clients: DirectoryClient[] = [];

beforeAll(async () => {
  s = await startSlapd({ bulkUsers: BULK });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await s?.cleanup();
});

function client(over: Partial<DirectoryYaml> = {}): DirectoryClient {
  const c = new DirectoryClient(resolvedDirectories([slapdDirectory(s, over)])[0]!);
  clients.push(c);
  return c;
}

async function groupsOf(c: DirectoryClient, login: string) {
  const u = await c.findUser(login);
  if (typeof u === 'string') throw new Error(`user ${login}: ${u}`);
  return resolveGroups(c, u);
}

describe('logins (bind as the user on a connection of its own)', () => {
  test('the right password logs in; a wrong one, an empty one or an unknown user does not', async () => {
    const c = client();
    const alice = await c.login('alice', s.users.alice.password);
    expect(alice).toMatchObject({ ok: true, user: { dn: s.users.alice.dn } });
    expect(await c.login('alice', 'not-her-password')).toEqual({ ok: false, reason: 'invalid' });
    // An empty password would be an unauthenticated bind, which slapd accepts unchecked.
    expect(await c.login('alice', '')).toEqual({ ok: false, reason: 'invalid' });
    expect(await c.login('nobody', 'whatever')).toEqual({ ok: false, reason: 'unknown-user' });
    // A password full of filter and DN syntax is only a password.
    expect(await c.login('erin', s.users.erin.password)).toMatchObject({ ok: true });
    expect(await c.login('erin', `${s.users.erin.password}x`)).toEqual({ ok: false, reason: 'invalid' });
  });

  test('filter injection in the user name matches nobody', async () => {
    const c = client();
    for (const name of ['*)(uid=*', '*', 'alice)(|(uid=*', '*)(|(objectClass=*', 'al*', 'alice\\2a', '(uid=alice)']) {
      expect(await c.findUser(name), name).toBe('none');
      expect(await c.login(name, s.users.alice.password), name).toEqual({ ok: false, reason: 'unknown-user' });
    }
    // The same names as literal values: a login attribute holding `*)(uid=*` would be found.
    await s.ldapadd(`dn: uid=*)(uid=\\2A,ou=people,${s.baseDn}\nobjectClass: inetOrgPerson\nuid: *)(uid=*\ncn: odd\nsn: odd\nuserPassword: odd-Secret-1\n`);
    const odd = await c.findUser('*)(uid=*');
    expect(odd).toMatchObject({ dn: expect.stringMatching(/^uid=/) });
    expect(await c.login('*)(uid=*', 'odd-Secret-1')).toMatchObject({ ok: true });
    expect(await c.login('*)(uid=*', s.users.alice.password)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('groups', () => {
  test('memberOf plus nesting resolved level by level: carol is in Interns → Developers → Engineering → Staff', async () => {
    const c = client();
    expect((await groupsOf(c, 'carol')).names).toEqual(['Developers', 'Engineering', 'Interns', 'Staff']);
    expect((await groupsOf(c, 'alice')).names).toEqual(['Developers', 'Engineering', 'KennekiAdmins', 'Staff']);
    expect((await groupsOf(c, 'bob')).names).toEqual(['Sales', 'Staff']);
  });

  test('a membership cycle ends; a user in no group has none', async () => {
    const c = client();
    expect((await groupsOf(c, 'dave')).names).toEqual(['CycleA', 'CycleB']);
    expect((await groupsOf(c, 'erin')).names).toEqual([]);
  });

  test('group-search finds the same groups without memberOf; max_depth cuts nesting and says so', async () => {
    const search = client({ extra: ['groups: { membership: group-search }'] });
    expect((await groupsOf(search, 'carol')).names).toEqual(['Developers', 'Engineering', 'Interns', 'Staff']);
    const shallow = client({ extra: ['groups: { max_depth: 2 }'] });
    const cut = await groupsOf(shallow, 'carol');
    expect(cut.names).toEqual(['Developers', 'Interns']);
    expect(cut.truncated).toBe(true);
    const flat = client({ extra: ['groups: { nested: false, name: dn }'] });
    expect((await groupsOf(flat, 'carol')).names).toEqual([s.groupDn('Interns')]);
  });

  test('the AD in-chain rule is refused for OpenLDAP at config time', () => {
    expect(() => resolvedDirectories([slapdDirectory(s, { extra: ['groups: { membership: in-chain }'] })])).toThrow(/identity\.directories\[0\]\.groups\.membership: in-chain is Active Directory only/);
  });
});

describe('computers', () => {
  test('by host name, short or fully qualified, and by certificate; groups from memberOf', async () => {
    const c = client();
    const laptop = await c.findComputer('laptop-01');
    expect(laptop).toMatchObject({ dn: s.computerDn('laptop-01') });
    expect(await c.findComputer(s.computers['laptop-01'].fqdn)).toMatchObject({ dn: s.computerDn('laptop-01') });
    expect((await resolveGroups(c, laptop as never)).names).toEqual(['Laptops']);
    const bare = await c.findComputer('laptop-02');
    expect((await resolveGroups(c, bare as never)).names).toEqual([]);
    expect(await c.findComputer('laptop-99')).toBe('none');
    expect(await c.findComputer('*')).toBe('none');
    expect(await c.findComputerByCertificate({ subjectCn: 'a0b1c2d3e4f5', dnsNames: ['laptop-01.example.test'] })).toMatchObject({ dn: s.computerDn('laptop-01') });
    expect(await c.findComputerByCertificate({ subjectCn: 'laptop-02' })).toMatchObject({ dn: s.computerDn('laptop-02') });
  });
});

describe('paging', () => {
  test(`a search over ${BULK} entries pages past the server's ${SLAPD_SIZE_LIMIT}-entry limit`, async () => {
    const c = client({ extra: ['page_size: 200'] });
    const found = await c.search({ base: `ou=bulk,${s.baseDn}`, filter: eq('objectClass', 'inetOrgPerson'), attributes: ['uid'] });
    expect(found).toHaveLength(BULK);
    expect(new Set(found.map((e) => e.dn)).size).toBe(BULK);
    // The same search unpaged is cut by the server at its limit: paging is what made it whole.
    const unpaged = await c.search({ base: `ou=bulk,${s.baseDn}`, filter: eq('objectClass', 'inetOrgPerson'), attributes: ['uid'], limit: BULK });
    expect(unpaged).toHaveLength(SLAPD_SIZE_LIMIT);
  });

  test('a group with thousands of members resolves for one of them', async () => {
    const c = client();
    const u = await c.findUser('bulk00042');
    expect((await resolveGroups(c, u as never)).names).toEqual(['Bulk']);
  });
});

describe('TLS with a pinned CA', () => {
  test('StartTLS with the right CA works; with a wrong CA nothing is sent and the error says why', async () => {
    expect(await client().login('bob', s.users.bob.password)).toMatchObject({ ok: true });
    const wrong = client({ caPem: s.wrongCaPem });
    const err = await wrong.login('bob', s.users.bob.password).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryUnavailable);
    expect((err as Error).message).toMatch(/not trusted.*tls\.ca_file/);
  });

  test('LDAPS with the right CA works; with a wrong CA it fails', async () => {
    const ldaps = client({ urls: [s.ldapsUrl!] });
    expect(await ldaps.login('bob', s.users.bob.password)).toMatchObject({ ok: true });
    const wrong = client({ urls: [s.ldapsUrl!], caPem: s.wrongCaPem });
    await expect(wrong.login('bob', s.users.bob.password)).rejects.toThrow(/not trusted/);
  });

  test('a certificate for another name fails the name check (tls.server_name)', async () => {
    const misnamed = new DirectoryClient({ ...resolvedDirectories([slapdDirectory(s)])[0]!, tls: { mode: 'starttls', caPem: s.caPem, serverName: 'dc.elsewhere.test' } });
    clients.push(misnamed);
    await expect(misnamed.login('bob', s.users.bob.password)).rejects.toThrow(/not trusted/);
  });

  test('plaintext is refused for anything but loopback, and TLS without a CA file is refused', () => {
    expect(() => resolvedDirectories([slapdDirectory(s, { urls: ['ldap://dc1.example.com'], mode: 'none' })])).toThrow(/tls\.mode none is allowed only for loopback/);
    expect(() => resolvedDirectories([{ ...slapdDirectory(s), caPem: undefined }])).toThrow(/tls\.ca_file: is required with tls\.mode starttls/);
    expect(() => resolvedDirectories([slapdDirectory(s, { urls: [s.ldapsUrl!], mode: 'starttls' })])).toThrow(/must be ldap:\/\/ when tls\.mode is starttls/);
  });
});

describe('failover', () => {
  let dead: Server;
  let deadUrl: string;
  beforeAll(async () => {
    // A port that accepts TCP and never answers: the worst kind of dead directory.
    // Reading (resume) is what lets it see the client's close: a paused socket never reads EOF.
    dead = createServer((sock) => sock.resume());
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    deadUrl = `ldap://127.0.0.1:${(dead.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => dead.close(() => r())));

  test('the first URL dead (refused, or silent) and the second alive: login still works, and the live one is kept', async () => {
    const refusedPort = await new Promise<number>((r) => {
      const t = createServer();
      t.listen(0, '127.0.0.1', () => {
        const { port } = t.address() as { port: number };
        t.close(() => r(port));
      });
    });
    const refused = client({ urls: [`ldap://127.0.0.1:${refusedPort}`, s.url] });
    expect(await refused.login('alice', s.users.alice.password)).toMatchObject({ ok: true });
    const silent = client({ urls: [deadUrl, s.url], extra: ['connect_timeout_ms: 300', 'operation_timeout_ms: 500'] });
    expect(await silent.login('alice', s.users.alice.password)).toMatchObject({ ok: true });
    expect(silent.activeUrl).toBe(s.url);
    expect(await silent.login('bob', s.users.bob.password)).toMatchObject({ ok: true });
  });

  test('every URL dead: DirectoryUnavailable naming each', async () => {
    const none = client({ urls: [deadUrl], extra: ['connect_timeout_ms: 300', 'operation_timeout_ms: 300'] });
    const err = await none.login('alice', s.users.alice.password).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryUnavailable);
    expect((err as Error).message).toContain(deadUrl);
  });

  test('a wrong service password is reported as such, not as an outage of the users', async () => {
    const c = client({ bindPassword: 'not-the-service-password' });
    await expect(c.login('alice', s.users.alice.password)).rejects.toThrow(/service bind as cn=kenneki,ou=services,dc=example,dc=test was refused \(check bind_dn and bind_password\)/);
  });
});

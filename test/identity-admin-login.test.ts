/**
 * Directory users in the admin API, against a real slapd: members of a group a role grants an
 * admin role log in with their directory password and may issue API tokens; their rights follow
 * their groups at every request, so leaving the group takes them away; nobody else gets in, and
 * a local account of the same name is never taken over.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../policy/service/clock.js';
import { identityYaml, slapdDirectory } from './helpers/directory.js';
import { startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { auditRows } from './helpers/scenario.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';

const TTL_S = 60;
let slapd: Slapd;
let s: TestServer;
let admin: string;
const clock = new ManualClock(new Date('2026-11-23T09:00:00Z'));

const login = (username: string, password: string) => s.api(undefined, 'POST', '/api/v1/auth/login', { tenant: 'default', username, password });

beforeAll(async () => {
  slapd = await startSlapd();
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-admin-dir-'));
  s = await startTestServer({ clock, sweeper: false, yaml: identityYaml(dir, [slapdDirectory(slapd, { name: 'corp', extra: [`cache: { ttl_seconds: ${TTL_S} }`] })]) });
  admin = s.adminToken['default']!;
  for (const role of [
    { name: 'kenneki-admins', precedence: 1, groups: ['KennekiAdmins'], adminRole: 'admin' },
    { name: 'sales-viewers', precedence: 2, groups: ['Sales'], adminRole: 'viewer' },
  ]) {
    const r = await s.api(admin, 'POST', '/api/v1/roles', role);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await s?.close();
  await slapd?.cleanup();
});

describe('directory users in the admin API', () => {
  test('a KennekiAdmins member logs in with the directory password, works as admin and issues an API token bound to her account', async () => {
    const r = await login('alice', slapd.users.alice.password);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const session = r.json.token as string;
    expect((await s.api(session, 'GET', '/api/v1/policies')).status).toBe(200);
    const issued = await s.api(session, 'POST', '/api/v1/tokens', { name: 'alice-automation' });
    expect(issued.status, JSON.stringify(issued.json)).toBe(201);
    expect((await s.api(issued.json.token, 'GET', '/api/v1/audit')).status).toBe(200);
    const created = (await auditRows(s, 'default')).find((a) => a.action === 'account.create' && a.actor === 'alice');
    expect(created).toBeDefined();
  });

  test('the admin role comes from the groups: a Sales member is a viewer and cannot change anything', async () => {
    const r = await login('bob', slapd.users.bob.password);
    expect(r.status).toBe(200);
    expect((await s.api(r.json.token, 'GET', '/api/v1/policies')).status).toBe(200);
    expect((await s.api(r.json.token, 'POST', '/api/v1/roles', { name: 'x', precedence: 9, groups: ['Sales'] })).status).toBe(403);
  });

  test('no admin role, a wrong password or filter syntax: 401, audited, and no account is made', async () => {
    for (const [user, password] of [
      ['carol', slapd.users.carol.password],
      ['alice', 'not-her-password'],
      ['*)(uid=*', slapd.users.alice.password],
    ] as const) {
      const r = await login(user, password);
      expect(r.status, user).toBe(401);
      expect(JSON.stringify(r.json)).not.toContain(password);
    }
    const failed = (await auditRows(s, 'default')).filter((a) => a.action === 'auth.login-failed').map((a) => a.actor);
    expect(failed).toEqual(expect.arrayContaining(['carol', 'alice', '*)(uid=*']));
    expect(await s.server.ctx.store.accounts.findForLogin('default', 'carol')).toBeUndefined();
  });

  test('leaving the group takes the rights away from the session and from every token, without revoking anything', async () => {
    const session = (await login('alice', slapd.users.alice.password)).json.token as string;
    const token = (await s.api(session, 'POST', '/api/v1/tokens', { name: 'long-lived' })).json.token as string;
    expect((await s.api(token, 'GET', '/api/v1/policies')).status).toBe(200);

    await slapd.ldapmodify(`dn: ${slapd.groupDn('KennekiAdmins')}\nchangetype: modify\nadd: member\nmember: ${slapd.users.dave.dn}\n-\ndelete: member\nmember: ${slapd.users.alice.dn}\n`);
    clock.advance((TTL_S + 1) * 1000);
    await s.server.ctx.identity.tick();
    expect(await s.server.ctx.store.identities.groupsOf('default', 'user', 'alice')).not.toContain('KennekiAdmins');

    expect((await s.api(token, 'GET', '/api/v1/policies')).status).toBe(401);
    expect((await s.api(session, 'GET', '/api/v1/policies')).status).toBe(401);
    expect((await login('alice', slapd.users.alice.password)).status).toBe(401);
  });

  test('a local account keeps its name: the directory user of the same name cannot log in as it', async () => {
    // dave is now in KennekiAdmins in the directory; a local account "dave" with a password exists.
    await s.server.ctx.accounts.createAdmin('default', { username: 'dave', role: 'viewer', password: 'a-local-password-for-dave' }, { actor: 'test', actorKind: 'system', action: '', targetType: '' });
    expect((await login('dave', slapd.users.dave.password)).status).toBe(401);
    const asLocal = await login('dave', 'a-local-password-for-dave');
    expect(asLocal.status).toBe(200);
    // The local viewer account did not become an admin through the directory.
    expect((await s.api(asLocal.json.token, 'POST', '/api/v1/roles', { name: 'y', precedence: 9, groups: ['Sales'] })).status).toBe(403);
  });

  test('while the directory is down, a user never seen gets no admin access (a fail-mode login is not a confirmed one)', async () => {
    await slapd.stop();
    clock.advance((TTL_S + 1) * 1000);
    expect((await login('erin', slapd.users.erin.password)).status).toBe(401);
    await slapd.restart();
  });
});

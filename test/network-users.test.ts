/** Local network users over the admin API: what is kept per method, never shown, audited, deleted. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { verifyPassword } from '../policy/auth/password.js';
import { ntHashOf } from '../policy/util/md4.js';
import { startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { auditRows } from './helpers/scenario.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

test('the NT hash and the lab password are kept only when asked for, and never leave the server', async () => {
  const admin = s.adminToken['default']!;
  expect((await s.api(admin, 'PUT', '/api/v1/network-users/guest1', { password: 'guest-password-1' })).json.user).toMatchObject({ name: 'guest1', mschapv2: false, labMd5: false });
  expect((await s.api(admin, 'PUT', '/api/v1/network-users/alice', { password: 'alice-password', mschapv2: true })).json.user).toMatchObject({ mschapv2: true, labMd5: false });
  const store = s.server.ctx.store.networkUsers;
  expect(await store.secrets('default', 'guest1')).toEqual({ passwordHash: expect.any(String) });
  const alice = (await store.secrets('default', 'alice'))!;
  expect(await verifyPassword('alice-password', alice.passwordHash)).toBe(true);
  // RFC 2759 §9.2's worked example: NtPasswordHash("clientPass").
  expect(ntHashOf('clientPass').toString('hex')).toBe('44ebba8d5312b8d611474411f56989ae');
  expect(alice.ntHash).toBe(ntHashOf('alice-password').toString('hex'));
  const listed = JSON.stringify((await s.api(admin, 'GET', '/api/v1/network-users')).json);
  expect(listed).toContain('alice');
  expect(listed).not.toMatch(/password|Hash|scrypt/i);
  const audit = JSON.stringify((await auditRows(s, 'default')).filter((r) => r.action.startsWith('network-user.')));
  expect(audit).toContain('network-user.put');
  expect(audit).not.toContain(alice.ntHash!);
  expect(audit).not.toContain('alice-password');
});

test('viewers cannot create users; a short password is refused; delete really deletes', async () => {
  const viewer = await s.token('default', 'viewer');
  expect((await s.api(viewer, 'PUT', '/api/v1/network-users/bob', { password: 'bob-password' })).status).toBe(403);
  expect((await s.api(s.adminToken['default']!, 'PUT', '/api/v1/network-users/bob', { password: 'short' })).status).toBe(400);
  expect((await s.api(s.adminToken['default']!, 'PUT', '/api/v1/network-users/bob', { password: 'bob-password', lab_md5: true })).status).toBe(200);
  expect((await s.server.ctx.store.networkUsers.secrets('default', 'bob'))?.labPassword).toBe('bob-password');
  expect((await s.api(s.adminToken['default']!, 'DELETE', '/api/v1/network-users/bob')).status).toBe(204);
  expect(await s.server.ctx.store.networkUsers.secrets('default', 'bob')).toBeUndefined();
  expect((await s.api(s.adminToken['default']!, 'DELETE', '/api/v1/network-users/bob')).status).toBe(404);
});

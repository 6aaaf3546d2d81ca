/**
 * The directory connector against a real Active Directory domain controller (Samba, provisioned
 * by the harness into a temporary folder): nested groups through the matching-rule-in-chain
 * search, the primary group AD leaves out of memberOf, computer accounts, LDAPS and StartTLS with
 * a pinned CA, and the login forms Windows users type.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DirectoryClient, type DirectoryEntry } from '../policy/identity/directory-client.js';
import { resolveGroups } from '../policy/identity/group-resolver.js';
import { DirectoryUnavailable } from '../policy/identity/ldap-connection.js';
import { resolvedDirectories, sambaDirectory, type DirectoryYaml } from './helpers/directory.js';
import { startSambaAd, type SambaAd } from './helpers/samba-ad.js';

let ad: SambaAd;
const clients: DirectoryClient[] = [];

beforeAll(async () => {
  ad = await startSambaAd();
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await ad?.stop();
  ad?.cleanup();
});

function client(over: Partial<DirectoryYaml> = {}): DirectoryClient {
  const c = new DirectoryClient(resolvedDirectories([sambaDirectory(ad, over)])[0]!);
  clients.push(c);
  return c;
}

function entry(found: DirectoryEntry | 'none' | 'ambiguous'): DirectoryEntry {
  if (typeof found === 'string') throw new Error(`expected one entry, got ${found}`);
  return found;
}

describe('Active Directory (Samba DC) over LDAPS', () => {
  test('nested membership through LDAP_MATCHING_RULE_IN_CHAIN, plus the primary group (Domain Users)', async () => {
    const c = client();
    expect(c.dir.groups.membership).toBe('in-chain');
    const carol = await resolveGroups(c, entry(await c.findUser('carol')));
    // Domain Users is itself a member of BUILTIN\Users, so the primary group's own nesting shows.
    expect(carol.names).toEqual(['Developers', 'Domain Users', 'Engineering', 'Interns', 'Staff', 'Users']);
    const bob = await resolveGroups(c, entry(await c.findUser('bob')));
    expect(bob.names).toEqual(['Domain Users', 'Sales', 'Staff', 'Users']);
  });

  test('a primary group other than Domain Users is found by RID: it is in neither memberOf nor the in-chain answer', async () => {
    const c = client();
    const dave = entry(await c.findUser('dave'));
    const memberOf = ([] as string[]).concat((dave.attrs['memberOf'] as string | string[] | undefined) ?? []);
    expect(memberOf.some((dn) => /^CN=Contractors,/i.test(dn))).toBe(false);
    expect((await resolveGroups(c, dave)).names).toContain('Contractors');
  });

  test('logins: sAMAccountName, DOMAIN\\user and the UPN all work; a wrong password does not', async () => {
    const c = client();
    const { alice } = ad.users;
    expect(await c.login(alice.sam, alice.password)).toMatchObject({ ok: true, user: { dn: alice.dn } });
    expect(await c.login(`${ad.domain}\\${alice.sam}`, alice.password)).toMatchObject({ ok: true, user: { dn: alice.dn } });
    expect(await c.login(alice.upn, alice.password)).toMatchObject({ ok: true, user: { dn: alice.dn } });
    expect(await c.login(alice.sam, 'Wrong-Passw0rd!')).toEqual({ ok: false, reason: 'invalid' });
    expect(await c.login(alice.sam, '')).toEqual({ ok: false, reason: 'invalid' });
    expect(await c.login('*)(sAMAccountName=*', alice.password)).toEqual({ ok: false, reason: 'unknown-user' });
  });

  test('computer accounts by short name, FQDN and certificate; their groups', async () => {
    const c = client();
    const byShort = entry(await c.findComputer('laptop-01'));
    expect(byShort.dn).toBe(ad.computerDn('LAPTOP-01'));
    expect(entry(await c.findComputer('laptop-01.kenneki.test')).dn).toBe(ad.computerDn('LAPTOP-01'));
    expect(entry(await c.findComputerByCertificate({ subjectCn: 'host/laptop-01.kenneki.test' })).dn).toBe(ad.computerDn('LAPTOP-01'));
    // Computers' primary group is Domain Computers (RID 515), found the same way as users'.
    expect((await resolveGroups(c, byShort)).names).toEqual(['Domain Computers', 'Laptops']);
    expect((await resolveGroups(c, entry(await c.findComputer('LAPTOP-02')))).names).toEqual(['Domain Computers']);
    expect(await c.findComputer('laptop-99')).toBe('none');
  });

  test('group names as DNs when configured', async () => {
    const c = client({ extra: ['groups: { name: dn }'] });
    const names = (await resolveGroups(c, entry(await c.findUser('bob')))).names;
    expect(names).toContain(ad.groupDn('Sales'));
    expect(names).toContain(ad.groupDn('Staff'));
  });
});

describe('TLS with the pinned CA', () => {
  test('LDAPS with a wrong CA is refused before any credential is sent', async () => {
    const err = await client({ caPem: ad.wrongCaPem }).login(ad.users.bob.sam, ad.users.bob.password).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryUnavailable);
    expect((err as Error).message).toMatch(/not trusted/);
  });

  test('StartTLS on 389 with the CA works too', async () => {
    const c = client({ urls: [ad.ldapUrl] });
    expect(c.dir.tls.mode).toBe('starttls');
    expect(await c.login(ad.users.bob.sam, ad.users.bob.password)).toMatchObject({ ok: true });
  });
});

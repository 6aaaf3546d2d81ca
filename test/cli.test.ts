import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnKenneki, type Spawned } from './helpers/process.js';

const dirs: string[] = [];
const procs: Spawned[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kenneki-cli-'));
  dirs.push(d);
  return d;
};

describe('kenneki serve on the embedded defaults', () => {
  it('starts with SQLite in ./data, prints where it listens and a one-time admin password, and the password logs in', async () => {
    const cwd = tempDir();
    const p = spawnKenneki(['serve'], { cwd });
    procs.push(p);
    const [, url] = await p.waitFor(/listening on (http:\/\/127\.0\.0\.1:8080)/);
    const [, password] = await p.waitFor(/One-time password \(shown only now\): (\S+)/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const policies = (await (await fetch(`${url}/api/v1/policies`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { name: string }[] };
    expect(policies.items.map((x) => x.name)).toEqual(['baseline']);
    // The password is printed to the terminal once; log lines never carry it.
    expect(p.output().split('\n').filter((l) => l.startsWith('{') && l.includes(password!))).toEqual([]);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);

    // Second start: same store, no new admin, no password printed.
    const again = spawnKenneki(['serve'], { cwd });
    procs.push(again);
    await again.waitFor(/listening on/);
    expect(again.output()).not.toMatch(/One-time password/);
    again.child.kill('SIGTERM');
    await again.exited;
  });
});

describe('configuration errors', () => {
  it('rejects a bad value at start with its key path and reason, and exits non-zero', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `data_dir: ${dir}\nhttp:\n  port: 70000\ntenants:\n  - { id: default, name: D }\n  - { id: "Bad Id", name: B }\nposture:\n  unknown_endpoint_verdict: allow\n`);
    const p = spawnKenneki(['serve', '--config', file]);
    procs.push(p);
    expect(await p.exited).toBe(78);
    const out = p.output();
    expect(out).toContain('http.port: must be <= 65535');
    expect(out).toContain('tenants[1].id: must match');
    expect(out).toContain('posture.unknown_endpoint_verdict: must be one of: isolate, deny');
  });
});

describe('admin commands', () => {
  it('migrate, admin create and token create work on the configured store, and the token is accepted', async () => {
    const dir = tempDir();
    const file = join(dir, 'k.yaml');
    writeFileSync(file, `data_dir: ${dir}\nhttp: { port: 0 }\npt_tls: { port: 0 }\nlog: { level: warn }\n`);
    const run = async (args: string[]) => {
      const p = spawnKenneki([...args, '--config', file]);
      procs.push(p);
      const code = await p.exited;
      return { code, out: p.output() };
    };
    expect((await run(['migrate'])).out).toContain('store migrated');
    const created = await run(['admin', 'create', '--username', 'noc', '--role', 'viewer']);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/password \(shown only now\): \S{20}/);
    const tok = await run(['token', 'create', '--username', 'noc']);
    expect(tok.code).toBe(0);
    const token = tok.out.trim().split('\n').pop()!;
    expect(token).toMatch(/^kk_/);

    const p = spawnKenneki(['serve', '--config', file]);
    procs.push(p);
    const [, url] = await p.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const ok = await fetch(`${url}/api/v1/endpoints`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const forbidden = await fetch(`${url}/api/v1/policies`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(forbidden.status).toBe(403);
    const audit = await run(['admin', 'create', '--username', 'noc']);
    expect(audit.code).toBe(1);
    expect(audit.out).toContain('already exists');
  });

  it('--help documents every command', async () => {
    const p = spawnKenneki(['--help']);
    procs.push(p);
    await p.exited;
    for (const cmd of ['serve', 'migrate', 'admin', 'token', 'tenant', 'definitions', 'gateway']) expect(p.output()).toContain(cmd);
  });
});

describe('kenneki serve with the allow-list', () => {
  it('warns at start when quarantined hosts could not reach PT-TLS through a gateway, and not when they can', async () => {
    const start = async (services: string) => {
      const dir = tempDir();
      const file = join(dir, 'kenneki.yaml');
      writeFileSync(file, `data_dir: ${join(dir, 'data')}\nhttp: { port: 0 }\npt_tls: { port: 27171 }\nadmin: { bootstrap_password: "cli-allowlist-password-0123" }\nallowlist:\n  enabled: true\n  services: ${services}\n`);
      const p = spawnKenneki(['serve', '--config', file], { cwd: dir });
      procs.push(p);
      await p.waitFor(/"evt":"SERVER_LISTENING"/);
      p.child.kill('SIGTERM');
      await p.exited;
      return p.output();
    };
    expect(await start('[]')).toMatch(/"evt":"ALLOWLIST_PT_TLS_NOT_REACHABLE".*port 27171/);
    expect(await start('[{ ip: 10.0.0.5, proto: tcp, port: 27171 }]')).not.toMatch(/ALLOWLIST_PT_TLS_NOT_REACHABLE/);
  });
});

describe('kenneki gateway refuses bad settings before touching nft', () => {
  const run = async (args: string[], credential = 'k'.repeat(40)) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'credential'), `${credential}\n`);
    // A path that is not nft: a setting that got past the checks would fail here, with another message.
    const p = spawnKenneki(['gateway', '--credential-file', join(dir, 'credential'), '--nft', join(dir, 'no-nft'), ...args]);
    procs.push(p);
    return { code: await p.exited, out: p.output() };
  };
  it.each([
    ['plain http to another host', ['--server', 'http://10.0.0.1:8080', '--client-network', '10.1.0.0/16'], /--server: http:\/\/ is refused/],
    ['a short credential', ['--server', 'https://nac.example', '--client-network', '10.1.0.0/16'], /--credential-file: the credential must be at least 32 characters/, 'short'],
    ['a client network that is not a CIDR', ['--server', 'https://nac.example', '--client-network', '10.1.0.0'], /--client-network 10\.1\.0\.0: must be an IPv4 CIDR/],
    ['a table name that is nft syntax', ['--server', 'https://nac.example', '--client-network', '10.1.0.0/16', '--table', 'k;flush'], /local\.table/],
    ['an interface name with a quote', ['--server', 'https://nac.example', '--client-network', '10.1.0.0/16', '--direct-interface', 'eth"0'], /local\.directInterfaces\[0\]/],
    ['no client network', ['--server', 'https://nac.example'], /--client-network/],
  ])('%s', async (_what, args, message, credential?: string) => {
    const r = await run(args as string[], credential);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(message);
  });
});

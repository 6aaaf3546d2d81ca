import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import type { KennekiError } from '../errors.js';
import { loadConfig } from './load.js';
import { ConfigSchema, type RawConfig } from './schema.js';
import { REDACTED, SECRET_PATHS, redactSecrets, resolveSecrets, secretMinLength } from './secrets.js';
import { errorOf } from './error-of.test-helper.js';

const SECRET = 'Sup3r-Secret-Value-That-Must-Not-Leak';
const SHORT = 'shortsecret';

// Created at import time: the test.each tables below name files in it while tests are collected.
const dir = mkdtempSync(join(tmpdir(), 'kenneki-secrets-'));
beforeAll(() => {
  writeFileSync(join(dir, 'lf'), `${SECRET}\n`);
  writeFileSync(join(dir, 'crlf'), `${SECRET}\r\n\r\n`);
  writeFileSync(join(dir, 'bare'), SECRET);
  writeFileSync(join(dir, 'inner-newline'), `${SECRET}\nsecond line\n`);
  writeFileSync(join(dir, 'short'), `${SHORT}\n`);
  writeFileSync(join(dir, 'empty'), '\n');
  writeFileSync(join(dir, 'huge'), 'x'.repeat(65 * 1024));
  mkdirSync(join(dir, 'a-dir'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads a config whose only setting is the given bootstrap_password (YAML flow syntax). */
function loadWith(passwordYaml: string, env: NodeJS.ProcessEnv = {}) {
  const f = join(dir, `cfg-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, `admin:\n  bootstrap_password: ${passwordYaml}\n`);
  return loadConfig({ file: f, env, cwd: dir });
}


function expectNoLeak(e: KennekiError, ...values: string[]) {
  for (const v of values) {
    expect(e.message).not.toContain(v);
    expect(JSON.stringify(e.details)).not.toContain(v);
  }
}

describe('resolving secrets through loadConfig', () => {
  test.each([
    ['a literal string', `"${SECRET}"`, {}],
    ['a file with a trailing LF', `{file: ${join(dir, 'lf')}}`, {}],
    ['a file with trailing CRLFs', `{file: ${join(dir, 'crlf')}}`, {}],
    ['a file without a trailing newline', `{file: ${join(dir, 'bare')}}`, {}],
    ['a file relative to cwd', '{file: lf}', {}],
    ['an environment variable', '{env: KENNEKI_ADMIN_PASSWORD}', { KENNEKI_ADMIN_PASSWORD: SECRET }],
  ])('%s', (_name, yaml, env) => {
    expect(loadWith(yaml, env).admin.bootstrap_password).toBe(SECRET);
  });

  it('keeps inner newlines of a secret file (only trailing ones are trimmed)', () => {
    expect(loadWith('{file: inner-newline}').admin.bootstrap_password).toBe(`${SECRET}\nsecond line`);
  });

  it('leaves bootstrap_password absent when not configured', () => {
    expect('bootstrap_password' in loadConfig({ env: {} }).admin).toBe(false);
  });
});

describe('unresolvable secrets', () => {
  test.each([
    ['a missing file', `{file: ${join(dir, 'nope')}}`, {}, `admin.bootstrap_password: cannot read secret file ${join(dir, 'nope')} (ENOENT)`],
    ['a directory', '{file: a-dir}', {}, `admin.bootstrap_password: secret file ${join(dir, 'a-dir')} is not a regular file`],
    ['an empty file', '{file: empty}', {}, `admin.bootstrap_password: secret file ${join(dir, 'empty')} is empty`],
    ['an oversized file', '{file: huge}', {}, `admin.bootstrap_password: secret file ${join(dir, 'huge')} is larger than 64 KiB`],
    ['an unset variable', '{env: KENNEKI_PW}', { OTHER: SECRET }, 'admin.bootstrap_password: environment variable KENNEKI_PW is not set'],
    ['an empty variable', '{env: KENNEKI_PW}', { KENNEKI_PW: '' }, 'admin.bootstrap_password: environment variable KENNEKI_PW is empty'],
  ])('%s → KENNEKI_ERR_SECRET_UNRESOLVED naming the key path', (_name, yaml, env, line) => {
    const e = errorOf(() => loadWith(yaml, env));
    expect(e.code).toBe('KENNEKI_ERR_SECRET_UNRESOLVED');
    expect(e.details).toEqual({ problems: [line] });
    expect(e.message).toMatch(/^cannot resolve secrets of configuration in .*cfg-.*\.yaml:\n {2}admin\.bootstrap_password: /);
    expectNoLeak(e, SECRET);
  });

  it('chains the file-system error as cause', () => {
    const e = errorOf(() => loadWith('{file: nope}'));
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

});

describe('secrets that resolve but break the length rule', () => {
  test.each([
    ['from a file', '{file: short}', {}, `admin.bootstrap_password: secret file ${join(dir, 'short')} must hold at least 16 characters`],
    ['from a variable', '{env: PW}', { PW: SHORT }, 'admin.bootstrap_password: environment variable PW must hold at least 16 characters'],
    ['inline', `"${SHORT}"`, {}, 'admin.bootstrap_password: must be at least 16 characters'],
  ])('%s → KENNEKI_ERR_CONFIG_INVALID without the value', (_name, yaml, env, line) => {
    const e = errorOf(() => loadWith(yaml, env));
    expect(e.code).toBe('KENNEKI_ERR_CONFIG_INVALID');
    expect(e.details).toEqual({ problems: [line] });
    expectNoLeak(e, SHORT);
  });

  it('does not leak an inline secret when another key is wrong', () => {
    const f = join(dir, 'other-error.yaml');
    writeFileSync(f, `admin:\n  bootstrap_password: "${SECRET}"\n  bootstrap_usr: x\n`);
    const e = errorOf(() => loadConfig({ file: f }));
    expect(e.details?.problems).toEqual(['admin.bootstrap_usr: unknown key']);
    expectNoLeak(e, SECRET);
  });
});

describe('resolveSecrets and redactSecrets directly', () => {
  const raw = (password: RawConfig['admin']['bootstrap_password']): RawConfig =>
    ({ admin: { bootstrap_user: 'admin', bootstrap_password: password } }) as RawConfig;

  it('returns a copy and does not modify its input', () => {
    const input = raw({ env: 'PW' });
    const out = resolveSecrets(input, { env: { PW: SECRET } });
    expect(out.admin.bootstrap_password).toBe(SECRET);
    expect(input.admin.bootstrap_password).toEqual({ env: 'PW' });
  });

  it('uses the source file in the error header', () => {
    const e = errorOf(() => resolveSecrets(raw({ env: 'PW' }), { env: {}, source: '/etc/kenneki.yaml' }));
    expect(e.message).toBe(
      'cannot resolve secrets of configuration in /etc/kenneki.yaml:\n  admin.bootstrap_password: environment variable PW is not set',
    );
  });

  it('redacts every present secret in a copy', () => {
    const input = raw(SECRET);
    expect(redactSecrets(input).admin.bootstrap_password).toBe(REDACTED);
    expect(input.admin.bootstrap_password).toBe(SECRET);
  });
});

describe('SECRET_PATHS agrees with the schema', () => {
  /** Paths of every field in the schema that accepts `{ file }` / `{ env }` references. */
  function secretFieldsOf(schema: unknown, path: string[] = []): string[][] {
    const s = schema as { anyOf?: { properties?: Record<string, unknown> }[]; properties?: Record<string, unknown>; items?: unknown };
    if (s.anyOf?.some((b) => b.properties !== undefined && 'env' in b.properties)) return [path];
    const props = Object.entries(s.properties ?? {}).flatMap(([k, v]) => secretFieldsOf(v, [...path, k]));
    return s.items === undefined ? props : [...props, ...secretFieldsOf(s.items, [...path, '*'])];
  }

  it('lists exactly the SecretRef fields of ConfigSchema', () => {
    expect(secretFieldsOf(ConfigSchema).map((p) => p.join('.')).sort()).toEqual(SECRET_PATHS.map((p) => p.join('.')).sort());
  });

  test.each(SECRET_PATHS.map((p) => [p.join('.'), p] as const))('%s has a length rule', (_name, path) => {
    expect(secretMinLength(path)).toBeGreaterThan(0);
  });
});

describe('secrets inside arrays: identity.directories[*].bind_password', () => {
  const directoriesYaml = (pw1: string, pw2: string) =>
    [
      'identity:',
      '  directories:',
      `    - { name: corp, type: openldap, urls: ["ldap://127.0.0.1:389"], tls: { mode: none }, bind_dn: "cn=svc,dc=x", bind_password: ${pw1}, base_dn: "dc=x" }`,
      `    - { name: lab, type: openldap, urls: ["ldap://127.0.0.1:1389"], tls: { mode: none }, bind_dn: "cn=svc,dc=y", bind_password: ${pw2}, base_dn: "dc=y" }`,
      '',
    ].join('\n');
  const load = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const f = join(dir, `dirs-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, yaml);
    return loadConfig({ file: f, env, cwd: dir });
  };

  it('resolves each element\'s reference, and redacts every one', () => {
    const cfg = load(directoriesYaml('{ env: CORP_PW }', '{ file: lf }'), { CORP_PW: 'corp-service-pw' });
    expect(cfg.identity.directories.map((d) => d.bind_password)).toEqual(['corp-service-pw', SECRET]);
    expect(redactSecrets(cfg).identity.directories.map((d) => d.bind_password)).toEqual([REDACTED, REDACTED]);
    expect(JSON.stringify(redactSecrets(cfg))).not.toContain(SECRET);
  });

  it('names the element whose secret is missing, and never prints a value', () => {
    const e = errorOf(() => load(directoriesYaml('"inline-password-ok"', '{ env: LAB_PW }')));
    expect(e.code).toBe('KENNEKI_ERR_SECRET_UNRESOLVED');
    expect(e.message).toContain('identity.directories[1].bind_password: environment variable LAB_PW is not set');
    expect(e.message).not.toContain('inline-password-ok');
  });

  it('applies the length rule to referenced values too', () => {
    writeFileSync(join(dir, 'tiny'), 'abc\n');
    const e = errorOf(() => load(directoriesYaml('{ file: tiny }', '"long-enough-pw"')));
    expect(e.message).toContain('identity.directories[0].bind_password: secret file');
    expect(e.message).toContain('must hold at least 8 characters');
  });
});

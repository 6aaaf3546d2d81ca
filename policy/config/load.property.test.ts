/**
 * Whatever an operator (or a broken deploy script) puts in the config file, loading it either
 * yields a valid config or throws a KennekiError with a problem list — never a TypeError,
 * a RangeError from a parser, or a half-validated config.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KennekiError } from '../errors.js';
import { loadConfig } from './load.js';
import { ResolvedConfigSchema } from './schema.js';

const CONFIG_CODES = ['KENNEKI_ERR_CONFIG_INVALID', 'KENNEKI_ERR_CONFIG_UNREADABLE', 'KENNEKI_ERR_SECRET_UNRESOLVED'];
const validResolved = new Ajv({ allErrors: true }).compile(ResolvedConfigSchema);

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kenneki-config-prop-'));
  writeFileSync(join(dir, 'pw'), 'a-long-enough-secret-value\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `text` as a config file; asserts the outcome is a valid config or a KennekiError. */
function loadsOrFailsCleanly(text: string): void {
  const f = join(dir, `p-${n++}.yaml`);
  writeFileSync(f, text);
  let cfg;
  try {
    cfg = loadConfig({ file: f, cwd: dir, env: { PW: 'a-long-enough-secret-value', SHORT: 'x' } });
  } catch (e) {
    expect(e).toBeInstanceOf(KennekiError);
    const ke = e as KennekiError;
    expect(CONFIG_CODES).toContain(ke.code);
    expect(ke.message.startsWith('invalid configuration in') || ke.message.startsWith('cannot resolve secrets')).toBe(true);
    const problems = ke.details?.problems as unknown[];
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^\S.*: \S/);
    return;
  } finally {
    rmSync(f, { force: true });
  }
  expect(validResolved(cfg), JSON.stringify(validResolved.errors)).toBe(true);
  expect(isAbsolute(cfg.data_dir)).toBe(true);
  expect(isAbsolute(cfg.store.path)).toBe(true);
  expect(['isolate', 'deny']).toContain(cfg.posture.unknown_endpoint_verdict);
  expect(new Set(cfg.tenants.map((t) => t.id)).size).toBe(cfg.tenants.length);
}

/** Keys of the real schema plus a few troublemakers, so generated objects reach deep paths. */
const key = fc.oneof(
  fc.constantFrom(
    'data_dir', 'log', 'level', 'http', 'host', 'port', 'tls', 'cert_file', 'key_file', 'trust_proxy',
    'body_limit_bytes', 'store', 'driver', 'path', 'tenants', 'id', 'name', 'admin', 'bootstrap_user',
    'bootstrap_password', 'file', 'env', 'posture', 'stale_after_hours', 'unknown_endpoint_verdict',
    'retention_days', 'reevaluate_interval_seconds', '__proto__', 'constructor', 'toString', '0', '',
  ),
  fc.string({ maxLength: 8 }),
);

const leaf = fc.oneof(
  fc.constantFrom(
    'sqlite', 'postgres', 'info', 'isolate', 'allow', 'default', 'acme', 'Default', 'admin', '127.0.0.1',
    'kenneki.db', '../x.db', '/abs/x.db', 'pw', 'PW', 'SHORT', 'UNSET', '', '.', '/', 'a-long-enough-secret-value',
  ),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -100_000, max: 100_000_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const { value: configish } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array')),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
}));

/** Mostly valid: each field is usually valid and sometimes wild, to reach the later stages. */
const mostly = <T,>(valid: fc.Arbitrary<T>, wild: fc.Arbitrary<unknown> = leaf) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: wild });

const nearlyValid = fc.record(
  {
    data_dir: mostly(fc.constantFrom('./data', '/var/lib/kenneki', 'rel/dir')),
    http: mostly(fc.record({ port: mostly(fc.integer({ min: 0, max: 65535 })), trust_proxy: fc.boolean() }, { requiredKeys: [] }), configish),
    store: mostly(fc.record({ path: mostly(fc.constantFrom('k.db', 'sub/k.db', '/abs/k.db')) }, { requiredKeys: [] }), configish),
    tenants: mostly(
      fc.uniqueArray(fc.record({ id: fc.constantFrom('default', 'acme', 'isp-1'), name: mostly(fc.constantFrom('A', 'Acme Corp')) }), {
        minLength: 1,
        maxLength: 3,
        selector: (t) => t.id,
      }),
      configish,
    ),
    admin: mostly(
      fc.record(
        { bootstrap_password: mostly(fc.constantFrom<unknown>('a-long-enough-secret-value', { file: 'pw' }, { env: 'PW' }, { env: 'SHORT' }, { file: 'missing' }, { env: 'UNSET' }), configish) },
        { requiredKeys: [] },
      ),
      configish,
    ),
    posture: mostly(fc.record({ retention_days: mostly(fc.integer({ min: 1, max: 3650 })) }, { requiredKeys: [] }), configish),
  },
  { requiredKeys: [] },
);

describe('loadConfig never throws anything but KennekiError', () => {
  it('for arbitrary JSON values written as JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => loadsOrFailsCleanly(JSON.stringify(v) ?? 'null')), { numRuns: 200 });
  });

  it('for schema-shaped objects written as YAML', () => {
    fc.assert(fc.property(configish, (v) => loadsOrFailsCleanly(stringify(v))), { numRuns: 300 });
  });

  it('for nearly valid configs written as YAML or JSON', () => {
    fc.assert(
      fc.property(nearlyValid, fc.boolean(), (v, asJson) => loadsOrFailsCleanly(asJson ? JSON.stringify(v) : stringify(v))),
      { numRuns: 300 },
    );
  });

  it('for arbitrary text', () => {
    const yamlish = fc.stringMatching(/^[a-z_:\-[\]{}&*!|>'"#%@`, \n]{0,80}$/);
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), yamlish), loadsOrFailsCleanly), { numRuns: 300 });
  });
});

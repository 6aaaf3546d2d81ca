import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './util/package-root.js';
import { GATEWAY_ERRORS } from '../gateway/errors.js';
import { POLICY_ERRORS } from './errors.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('error codes: the policy server', () => {
  const root = packageRoot();
  const used = new Set(sources(join(root, 'policy')).filter((f) => !f.endsWith('/policy/errors.ts')).flatMap((f) => readFileSync(f, 'utf8').match(/KENNEKI_ERR_[A-Z_]+/g) ?? []));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('every code used in the code is declared', () => {
    expect([...used].filter((c) => !(c in POLICY_ERRORS))).toEqual([]);
  });
  it('every declared code is used', () => {
    expect(Object.keys(POLICY_ERRORS).filter((c) => !used.has(c))).toEqual([]);
  });
  it('every declared code is documented in README.md', () => {
    expect(Object.keys(POLICY_ERRORS).filter((c) => !readme.includes(`\`${c}\``))).toEqual([]);
  });
});

describe('error codes: the enforcement adapters (gateway/)', () => {
  const root = packageRoot();
  const gateway = join(root, 'gateway');
  const used = new Set(sources(gateway).filter((f) => !f.endsWith('/gateway/errors.ts')).flatMap((f) => readFileSync(f, 'utf8').match(/KENNEKI_ERR_[A-Z_]+/g) ?? []));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('every code used is declared there or by the policy server', () => {
    expect([...used].filter((c) => !(c in GATEWAY_ERRORS) && !(c in POLICY_ERRORS))).toEqual([]);
  });
  it('every declared code is used and documented in README.md', () => {
    expect(Object.keys(GATEWAY_ERRORS).filter((c) => !used.has(c))).toEqual([]);
    expect(Object.keys(GATEWAY_ERRORS).filter((c) => !readme.includes(`\`${c}\``))).toEqual([]);
  });
});

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FACT_KEYS, type FactKey, type PostureFacts } from '../posture/facts.js';
import { CHECK_IDS, CHECK_STATUSES, type CheckContext, type CheckId, type CheckParams } from './contract.js';
import { BUILTIN_CHECKS, runCheck } from './registry.js';
import { contextOf, DEBIAN_12, errorFact, expectWellFormed, NOW, ok, unknownFact } from './test-context.js';
import { createDefinitionsView } from '../definitions/memory-view.js';

/** The facts without which a check cannot judge: their absence must never be compliant. */
const REQUIRED: { [K in CheckId]: FactKey[] } = {
  'os-version': ['os'],
  'pending-updates': ['pendingUpdates'],
  packages: ['packages', 'os'],
  antivirus: ['antivirus'],
  firewall: ['firewall'],
  'disk-encryption': ['diskEncryption'],
  'ip-forwarding': ['ipForwarding'],
  'factory-default-password': ['factoryDefaultPassword'],
  'secure-boot': ['secureBoot'],
  'agent-version': ['agent'],
  'posture-staleness': [],
};

/** Sensible parameters per check, so that the property tests reach the judgement itself. */
const PARAMS: CheckParams = {
  'os-version': { minimum: [{ product: 'debian', version: '12.5' }, { product: 'Windows', version: '10.0.19045' }] },
  'pending-updates': { graceDays: 7 },
  packages: {},
  antivirus: { requireTamperProtection: true },
  firewall: {},
  'disk-encryption': {},
  'ip-forwarding': {},
  'factory-default-password': {},
  'secure-boot': {},
  'agent-version': { minimum: '1.2.0' },
  'posture-staleness': { maxAgeHours: 24 },
};

const run = (id: CheckId, ctx: CheckContext, params: unknown = PARAMS[id]) =>
  runCheck(id, ctx, params as CheckParams[typeof id]);

describe('registry', () => {
  test('every check id has a built-in check under its own id', () => {
    expect(Object.keys(BUILTIN_CHECKS).sort()).toEqual([...CHECK_IDS].sort());
    for (const id of CHECK_IDS) {
      expect(BUILTIN_CHECKS[id].id).toBe(id);
      for (const key of REQUIRED[id]) expect(BUILTIN_CHECKS[id].reads).toContain(key);
    }
  });

  const withPrimary = CHECK_IDS.filter((id) => REQUIRED[id].length > 0).map((id) => [id, REQUIRED[id][0]!] as const);

  test.each(withPrimary)('%s: no %s fact → unknown', (id, key) => {
    // The OS is there (other checks may use it); only the fact under test is missing.
    const facts: PostureFacts = key === 'os' ? {} : { os: ok(DEBIAN_12) };
    const r = run(id, contextOf(facts));
    expect(r.status).toBe('unknown');
    expect(r.reason.en).toMatch(/^no .+ evidence reported$/);
    expect(r.reason.ja).toMatch(/情報が報告されていません$/);
    expectWellFormed(r);
  });

  test.each(withPrimary)('%s: %s collector unknown → unknown with its reason', (id, key) => {
    const r = run(id, contextOf({ os: ok(DEBIAN_12), [key]: unknownFact('collector timed out after 10 s') }));
    expect(r.status).toBe('unknown');
    expect(r.reason.en).toContain('collector timed out after 10 s');
    expect(r.reason.ja).toContain('collector timed out after 10 s');
    expect(r.evidence?.map((e) => e.fact)).toContain(key);
    expectWellFormed(r);
  });

  test.each(withPrimary)('%s: %s collector error → error with its reason', (id, key) => {
    const r = run(id, contextOf({ os: ok(DEBIAN_12), [key]: errorFact('exit code 3') }));
    expect(r.status).toBe('error');
    expect(r.reason.en).toContain('exit code 3');
    expectWellFormed(r);
  });

  test.each(CHECK_IDS)('%s: an exception inside evaluate becomes an error result', (id) => {
    // Posture whose every read throws, as a broken store or a hostile object would.
    const facts = new Proxy({} as PostureFacts, {
      get() {
        throw new Error('posture store closed');
      },
    });
    const r = runCheck(id, contextOf(facts), PARAMS[id]);
    expect(r.status).toBe('error');
    expect(r.check).toBe(id);
    expect(r.reason.en).toBe(`check ${id} could not be evaluated: posture store closed`);
    expectWellFormed(r);
  });

  test('a throwing definitions view is caught the same way', () => {
    const defs = createDefinitionsView({ advisories: [], forbidden: [] });
    const broken = { ...defs, platformFor: () => { throw new Error('definitions not loaded'); } };
    const r = runCheck('packages', contextOf({ os: ok(DEBIAN_12), packages: ok({ manager: 'dpkg', packages: [] }) }, { definitions: broken }), {});
    expect(r.status).toBe('error');
    expect(r.reason.en).toContain('definitions not loaded');
  });

  test('a thrown non-Error value is reported too', () => {
    const defs = createDefinitionsView({ advisories: [], forbidden: [] });
    const r = runCheck('os-version', contextOf({ os: ok(DEBIAN_12) }, { definitions: { ...defs, compare: () => { throw Object.create(null); } } }), PARAMS['os-version']);
    expect(r.status).toBe('error');
    expect(r.reason.en).toContain('unprintable error');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: whatever the endpoint sends, runCheck returns a result and never says compliant
// without the evidence it needs.

const iso = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.anything());
const version = fc.oneof(fc.constantFrom('12.7', '10.0.22631.4317', '1.2.0', '3.0.13-1', ''), fc.string());

const plausible: { [K in FactKey]: fc.Arbitrary<unknown> } = {
  os: fc.record({ family: maybe(fc.constantFrom('linux', 'windows', 'macos', 'other')), product: maybe(fc.constantFrom('debian', 'Windows 11 Pro', 'macOS', 'ubuntu')), version: maybe(version) }),
  pendingUpdates: fc.record({
    updates: maybe(fc.array(fc.record({ id: maybe(fc.string()), package: fc.option(fc.string(), { nil: undefined }), version: fc.option(version, { nil: undefined }), security: maybe(fc.boolean()) }))),
    rebootRequired: maybe(fc.boolean()),
  }),
  packages: fc.record({ manager: fc.string(), packages: maybe(fc.array(fc.record({ name: maybe(fc.constantFrom('openssl', 'bittorrent', 'bash')), version: maybe(version) }))) }),
  antivirus: fc.record({
    products: maybe(fc.array(fc.record({ name: fc.string(), running: maybe(fc.boolean()), enabled: maybe(fc.boolean()), signatureAgeDays: maybe(fc.double()), signaturesUpdatedAt: maybe(iso), tamperProtected: maybe(fc.boolean()) }, { requiredKeys: ['name'] }))),
  }),
  firewall: fc.record({ profiles: maybe(fc.array(fc.record({ name: fc.string(), enabled: maybe(fc.boolean()) }))) }),
  diskEncryption: fc.record({ systemVolumeProtected: maybe(fc.boolean()), volumes: maybe(fc.array(fc.record({ name: fc.string(), encrypted: fc.boolean(), protected: fc.boolean(), system: fc.boolean() }))) }),
  ipForwarding: maybe(fc.boolean()),
  factoryDefaultPassword: maybe(fc.boolean()),
  secureBoot: maybe(fc.boolean()),
  agent: fc.record({ name: maybe(fc.constantFrom('kenneki-agent', 'strongSwan')), version: maybe(version) }),
  deviceId: maybe(fc.uuid()),
};

/** A fact as it might arrive: well-formed, unknown/error, or anything at all. */
const factArb = (key: FactKey) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ status: fc.constant('ok'), value: plausible[key], collectedAt: maybe(iso), source: fc.constant('kenneki-agent') }) },
    { weight: 1, arbitrary: fc.record({ status: fc.constantFrom('unknown', 'error', 'weird'), reason: maybe(fc.string()), collectedAt: iso, source: fc.string() }, { requiredKeys: ['status'] }) },
    { weight: 1, arbitrary: fc.anything() },
  );

const factsArb = fc.record(Object.fromEntries(FACT_KEYS.map((k) => [k, factArb(k)])) as { [K in FactKey]: fc.Arbitrary<unknown> }, {
  requiredKeys: [],
}) as fc.Arbitrary<PostureFacts>;

const paramsArb = (id: CheckId) => fc.oneof({ weight: 4, arbitrary: fc.constant(PARAMS[id] as unknown) }, { weight: 1, arbitrary: fc.anything() });

const definitions = createDefinitionsView({
  advisories: [{ id: 'DSA-1', platform: 'debian:bookworm', package: 'openssl', fixedVersion: '3.0.14-1', scheme: 'dpkg', releasedAt: '2025-05-20', cves: ['CVE-2024-5535'] }],
  forbidden: [{ name: 'bit*', reason: 'p2p' }],
});

const ctxArb = (facts: PostureFacts): fc.Arbitrary<CheckContext> =>
  fc.record({ reportedAt: fc.date(), firstReported: fc.array(fc.tuple(fc.string(), fc.date())) }).map(({ reportedAt, firstReported }) => ({
    facts,
    reportedAt,
    now: NOW,
    definitions,
    firstReported: new Map(firstReported),
  }));

describe('runCheck on arbitrary posture', () => {
  test('never throws and always returns a well-typed result', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHECK_IDS).chain((id) => fc.tuple(fc.constant(id), factsArb.chain(ctxArb), paramsArb(id))),
        ([id, ctx, params]) => {
          const r = run(id, ctx, params);
          expect(r.check).toBe(id);
          expect(CHECK_STATUSES).toContain(r.status);
          expect(typeof r.reason.en).toBe('string');
          expect(Array.isArray(r.remediation)).toBe(true);
          if (r.status !== 'compliant') expect(r.remediation.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('never returns compliant when a fact the check needs is absent', () => {
    const needy = CHECK_IDS.filter((id) => REQUIRED[id].length > 0);
    fc.assert(
      fc.property(
        fc
          .constantFrom(...needy)
          .chain((id) => fc.tuple(fc.constant(id), fc.constantFrom(...REQUIRED[id]), factsArb, paramsArb(id))),
        ([id, missing, facts, params]) => {
          const without = { ...facts };
          delete without[missing];
          const r = run(id, contextOf(without, { definitions }), params);
          expect(r.status).not.toBe('compliant');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

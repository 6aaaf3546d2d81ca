import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import { KennekiError } from '../../errors.js';
import type { Decision } from '../../decide/decision.js';
import type { PostureFacts } from '../../posture/facts.js';
import type { Assessment, Store } from '../repository.js';
import { createSqliteStore } from './store.js';
import { errorFromWorker, startAssessmentWriter, writerEntry } from './writer.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 8, minute)).toISOString();
const ok = <T>(value: T, minute: number) => ({ status: 'ok' as const, value, collectedAt: at(minute), source: 'nea-ietf' as const });
const packages = (n: number, minute: number) => ok({ manager: 'dpkg', packages: Array.from({ length: n }, (_, i) => ({ name: `pkg-${i}`, version: `1.${i}` })) }, minute);
const check = (id: string, status: string, action: string) => ({ check: id, status, configuredAction: action, effectiveAction: action, result: { status, observed: id } });
const decision = (minute: number, verdict: 'allow' | 'isolate', checks: ReturnType<typeof check>[]) =>
  ({ verdict, monitoredVerdict: verdict, reasons: [], remediation: [], reviewAt: at(minute + 60), trace: { evaluatedAt: at(minute), checks, exceptions: [] } }) as unknown as Decision;

/** Reports and a re-evaluation, as data: what each one brings and the verdict it gets. */
const SCRIPT: { minute: number; verdict: 'allow' | 'isolate'; report?: PostureFacts; findings?: string[]; updates?: string[]; basedOn?: number | null; failing?: boolean }[] = [
  { minute: 1, verdict: 'isolate', report: { packages: packages(300, 1), ipForwarding: ok(true, 1) }, findings: ['openssl'], updates: ['KB1'], failing: true },
  { minute: 2, verdict: 'isolate', report: { packages: packages(300, 2), ipForwarding: ok(true, 2) }, findings: ['openssl', 'curl'], updates: ['KB1', 'KB2'], failing: true },
  { minute: 3, verdict: 'allow', basedOn: 2 },
  { minute: 4, verdict: 'isolate', basedOn: 1 }, // stale: a newer report landed, so skipped
  { minute: 5, verdict: 'allow', report: { packages: packages(301, 5), ipForwarding: ok(false, 5) } },
];

function assessment(endpointId: string, s: (typeof SCRIPT)[number]): Assessment {
  return {
    tenantId: 't1',
    endpointId,
    at: at(s.minute),
    cause: s.report ? 'posture' : 'policy-change',
    ...(s.report ? { report: { reportedAt: at(s.minute), source: 'nea-ietf', facts: s.report, lastKnown: s.report, pendingUpdates: (s.updates ?? []).map((id) => ({ id })) } } : {}),
    findings: (s.findings ?? []).map((name) => ({ kind: 'vulnerable-package' as const, name, version: '1.0', detail: `CVE-${name}` })),
    decision: decision(s.minute, s.verdict, [check('ip-forwarding', s.failing ? 'non-compliant-major' : 'compliant', s.failing ? 'isolate' : 'pass'), check('packages', 'compliant', 'pass')]),
    ...(s.basedOn !== undefined ? { basedOnReportAt: s.basedOn === null ? null : at(s.basedOn) } : {}),
  };
}

describe('the assessment writer thread', () => {
  let dir: string;
  const stores: Store[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kenneki-writer-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  async function open(file: string, writerThread: boolean) {
    const store = createSqliteStore(join(dir, file), { writerThread });
    stores.push(store);
    await store.tenants.ensure({ id: 't1', name: 'T1' });
    const endpointId = (await store.endpoints.create('t1', { deviceId: 'machine-1' }, at(0), undefined)).id;
    return { store, endpointId };
  }
  const count = (file: string, table: string) => {
    const db = new Database(join(dir, file), { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('has a compiled entry to run (test/global-setup.ts builds dist/)', () => {
    expect(writerEntry()?.href).toMatch(/\/dist\/policy\/store\/sqlite\/writer-worker\.js$/);
  });

  it('records with the same outcomes and stored state as a write on the main thread, readable right after', async () => {
    const threaded = await open('threaded.db', true);
    const inPlace = await open('in-place.db', false);
    const readBack = async ({ store, endpointId }: { store: Store; endpointId: string }) => {
      const [state] = await store.assessments.loadState('t1', [endpointId]);
      return {
        endpoint: { ...state!.endpoint, id: undefined },
        posture: state!.posture,
        groups: state!.groups,
        firstReported: state!.firstReported,
        failingSince: state!.failingSince,
        current: await store.verdicts.current('t1', endpointId),
        history: (await store.verdicts.history('t1', endpointId, 10)).map((v) => ({ ...v, id: undefined, endpointId: undefined })),
        checks: await store.verdicts.checkResults('t1', endpointId),
        findings: await store.verdicts.findings('t1', endpointId),
      };
    };
    for (const s of SCRIPT) {
      const [a, b] = [assessment(threaded.endpointId, s), assessment(inPlace.endpointId, s)];
      const outcome = await threaded.store.assessments.record(a);
      expect(outcome).toEqual(await inPlace.store.assessments.record(b));
      // Read on the main connection as soon as record resolves: the worker's commit is visible.
      if (!outcome.skipped) expect(await threaded.store.verdicts.current('t1', threaded.endpointId)).toEqual(a.decision);
      expect(await readBack(threaded)).toEqual(await readBack(inPlace));
    }
    expect(count('threaded.db', 'posture_snapshots')).toBe(3);
    expect(count('threaded.db', 'verdicts')).toBe(count('in-place.db', 'verdicts'));
  });

  it('rejects a write that fails in the thread with its message, and later writes still land', async () => {
    const { store, endpointId } = await open('k.db', true);
    const gone = assessment('00000000-0000-4000-8000-00000000dead', SCRIPT[0]!);
    const [bad, good] = await Promise.allSettled([store.assessments.record(gone), store.assessments.record(assessment(endpointId, SCRIPT[0]!))]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/vanished during assessment/) } });
    expect(good).toMatchObject({ status: 'fulfilled', value: { previous: 'isolate', changed: false } });
    await expect(store.assessments.record(assessment(endpointId, SCRIPT[1]!))).resolves.toMatchObject({ previous: 'isolate' });
    expect(count('k.db', 'posture_snapshots')).toBe(2);
  });

  it('close() waits for the writes in flight, then refuses new ones', async () => {
    const { store, endpointId } = await open('k.db', true);
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.assessments.record({ ...assessment(endpointId, SCRIPT[0]!), at: at(i + 1), report: { ...assessment(endpointId, SCRIPT[0]!).report!, reportedAt: at(i + 1) } }),
    );
    await store.close();
    expect(await Promise.all(writes)).toHaveLength(50);
    await expect(store.assessments.record(assessment(endpointId, SCRIPT[1]!))).rejects.toThrow(/store is closed/);
    expect(count('k.db', 'posture_snapshots')).toBe(50);
  });

  it('fails the calls a dead thread did not answer, and starts a new thread for the next write', async () => {
    const { store, endpointId } = await open('k.db', false);
    // The real worker, except that it dies (process.exit in the thread) on a write for "crash".
    const entry = join(dir, 'crashing-writer.mjs');
    writeFileSync(
      entry,
      `import { parentPort } from 'node:worker_threads';
const on = parentPort.on.bind(parentPort);
parentPort.on = (evt, f) => on(evt, evt !== 'message' ? f : (m) => (m.kind === 'write' && m.write.endpointId === 'crash' ? process.exit(7) : f(m)));
await import(${JSON.stringify(writerEntry()!.href)});`,
    );
    const writer = startAssessmentWriter(join(dir, 'k.db'), { entry: pathToFileURL(entry) });
    try {
      await expect(writer.record(assessment(endpointId, SCRIPT[0]!))).resolves.toMatchObject({ previous: 'isolate' });
      const lost = writer.record({ ...assessment(endpointId, SCRIPT[1]!), endpointId: 'crash' });
      await expect(lost).rejects.toThrow(/store writer thread exited \(code 7\) before confirming the write; the assessment is not acknowledged/);
      await expect(writer.record(assessment(endpointId, SCRIPT[1]!))).resolves.toMatchObject({ previous: 'isolate' });
      expect(await store.verdicts.current('t1', endpointId)).toEqual(assessment(endpointId, SCRIPT[1]!).decision);
    } finally {
      await writer.close();
    }
  });
});

describe('an error from the writer thread, rebuilt on the calling side', () => {
  test.each([
    ['a KennekiError keeps its code and status', { name: 'KennekiError', message: 'exists', code: 'KENNEKI_ERR_STORE_CONFLICT' }, KennekiError, { code: 'KENNEKI_ERR_STORE_CONFLICT', statusCode: 409 }],
    ['an SQLite error keeps its SQLITE_* code', { name: 'SqliteError', message: 'database is locked', code: 'SQLITE_BUSY' }, Error, { name: 'SqliteError', code: 'SQLITE_BUSY' }],
    ['a plain error keeps its message', { name: 'Error', message: 'endpoint x vanished during assessment' }, Error, { name: 'Error' }],
  ])('%s', (_, e, type, props) => {
    const err = errorFromWorker(e);
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject({ message: e.message, ...props });
  });
});

/**
 * The assessment writer thread. SQLite's own work in an assessment's transaction (page writes,
 * index updates) is most of the store's share of the main thread's time per assessment, and no
 * query tuning removes it. So the write runs on a worker thread with its own connection to the
 * same file: the main thread serialises the assessment (encodeAssessment) and posts it; the
 * worker writes it in one transaction and answers after COMMIT. `record` resolves only then, so
 * a verdict is acknowledged only once stored, and a read on the main connection after it sees
 * the write (WAL: a new read transaction sees every commit before it).
 *
 * Fail closed: a write that throws in the worker rejects its call with the worker's message (and
 * code); if the thread dies, every call it had not answered rejects (its transaction did not
 * commit, or its answer was lost: either way no verdict is taken as stored unless confirmed), and
 * the next write starts a new thread.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KennekiError, POLICY_ERRORS, type PolicyErrorCode } from '../../errors.js';
import { packageRoot } from '../../util/package-root.js';
import type { Assessment, AssessmentOutcome } from '../repository.js';
import { encodeAssessment, type AssessmentWrite } from './assessment-repo.js';

export type WriterRequest = { kind: 'write'; id: number; write: AssessmentWrite } | { kind: 'close' };
export type WriterReply = { id: number; outcome: AssessmentOutcome } | { id: number; error: { name: string; message: string; code?: string } };

/** What the writer logs: a pino logger fits. */
export interface WriterLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AssessmentWriterThread {
  record(a: Assessment): Promise<AssessmentOutcome>;
  /** Waits for the writes already posted, then closes the thread's connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * The worker's entry: the compiled file beside this one. Under vitest this module runs from its
 * TypeScript source, which a Node 20 worker cannot load, so the entry is then the compiled copy
 * in dist/ (test/global-setup.ts builds it before the tests).
 */
export function writerEntry(): URL | undefined {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith('.js') ? join(here, '../writer-worker.js') : join(packageRoot(), 'dist/policy/store/sqlite/writer-worker.js');
  return existsSync(entry) ? pathToFileURL(entry) : undefined;
}

export function startAssessmentWriter(path: string, opts: { log?: WriterLog; entry: URL }): AssessmentWriterThread {
  const log = opts.log;
  const pending = new Map<number, { resolve: (o: AssessmentOutcome) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let worker: Worker | undefined;
  let lastError: Error | undefined;
  let closing: Promise<void> | undefined;
  let drained: (() => void) | undefined;

  const settle = (id: number) => {
    const p = pending.get(id);
    pending.delete(id);
    // Idle, the thread does not keep the process alive; with writes in flight it does.
    if (pending.size === 0) {
      worker?.unref();
      drained?.();
    }
    return p;
  };

  function start(): Worker {
    const w = new Worker(opts.entry, { workerData: { path } });
    w.on('message', (m: WriterReply) => {
      const p = settle(m.id);
      if ('error' in m) p?.reject(errorFromWorker(m.error));
      else p?.resolve(m.outcome);
    });
    w.on('error', (err) => {
      lastError = err;
      log?.error({ evt: 'STORE_WRITER_FAILED', err }, 'store writer thread failed');
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      const unanswered = [...pending.keys()];
      if (unanswered.length > 0 || !closing) {
        log?.error({ evt: 'STORE_WRITER_EXITED', code, unanswered: unanswered.length }, 'store writer thread exited; unanswered writes fail, the next write starts a new thread');
      }
      // It may have committed before dying: failed anyway, as a verdict counts only once confirmed.
      const why = `store writer thread exited (code ${code}${lastError ? `: ${lastError.message}` : ''}) before confirming the write; the assessment is not acknowledged`;
      for (const id of unanswered) settle(id)?.reject(new Error(why, lastError ? { cause: lastError } : undefined));
      lastError = undefined;
    });
    return w;
  }

  return {
    record(a) {
      if (closing) return Promise.reject(new Error('store is closed'));
      let write: AssessmentWrite;
      try {
        // Serialised before the thread is asked: a report that cannot be encoded fails here.
        write = encodeAssessment(a);
        worker ??= start();
      } catch (err) {
        return Promise.reject(err as Error);
      }
      const id = nextId++;
      const done = new Promise<AssessmentOutcome>((resolve, reject) => pending.set(id, { resolve, reject }));
      worker.ref();
      worker.postMessage({ kind: 'write', id, write } satisfies WriterRequest);
      return done;
    },
    close() {
      closing ??= (async () => {
        if (pending.size > 0) await new Promise<void>((resolve) => (drained = resolve));
        const w = worker;
        if (!w) return;
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        // Kept alive until the thread has closed its connection (its last checkpoint included).
        w.ref();
        w.postMessage({ kind: 'close' } satisfies WriterRequest);
        await exited;
      })();
      return closing;
    },
  };
}

/** The worker's error, rebuilt: a KennekiError keeps its code, an SQLite error its SQLITE_* code. */
export function errorFromWorker(e: { name: string; message: string; code?: string }): Error {
  if (e.code !== undefined && e.code in POLICY_ERRORS) return new KennekiError(e.code as PolicyErrorCode, e.message);
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  return err;
}

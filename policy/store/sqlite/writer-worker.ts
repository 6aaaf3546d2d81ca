/**
 * The assessment writer thread (see writer.ts): its own connection to the store's file, writing
 * one assessment per message, in order, and answering each after COMMIT.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { assessmentWriter } from './assessment-repo.js';
import { openSqlite } from './open.js';
import type { WriterReply, WriterRequest } from './writer.js';

const port = parentPort!;
// The main connection has migrated and analysed the file already.
const { db, raw } = openSqlite((workerData as { path: string }).path, { migrate: false, analyze: false });
const write = assessmentWriter(db);

port.on('message', (m: WriterRequest) => {
  if (m.kind === 'close') {
    raw.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: m.id, outcome: write(m.write) };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    reply = { id: m.id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) } };
  }
  port.postMessage(reply);
});

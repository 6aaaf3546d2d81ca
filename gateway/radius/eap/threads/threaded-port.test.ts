/**
 * The EAP threads' watchdog, with stand-in thread scripts (the real EAP threads are exercised with
 * eapol_test in test/radius-eap.test.ts): a thread whose event loop never yields again must not
 * hold its logins for ever, and a healthy one must be left alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { EapCredentials } from '../credentials.js';
import type { EapThreadSettings } from './protocol.js';
import { ThreadedEapPort } from './threaded-port.js';

const dir = mkdtempSync(join(tmpdir(), 'kenneki-eap-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Answers the watchdog until its first EAP request, then loops for ever. */
const stuck = join(dir, 'stuck-thread.mjs');
writeFileSync(
  stuck,
  `import { parentPort } from 'node:worker_threads';
parentPort.postMessage({ kind: 'ready' });
parentPort.on('message', (m) => {
  if (Array.isArray(m)) for (;;) {}
  if (m.kind === 'ping') parentPort.postMessage({ kind: 'pong' });
});
`,
);

const credentials: EapCredentials = { checkPassword: async () => 'invalid', ntHash: async () => undefined, labPassword: async () => undefined };
// The stand-in script reads no settings.
const settings = {} as EapThreadSettings;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EAP thread watchdog', () => {
  it('terminates a stuck thread, discards its request (never answers for it), and starts it again; a healthy thread is left alone', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const events = () => lines.map((l) => (JSON.parse(l) as { evt?: string }).evt);
    const port = await ThreadedEapPort.start({ threads: 1, settings, credentials, log, script: stuck, watchdogMs: 100, restartDelayMs: 50 });
    try {
      await sleep(450);
      expect(events()).not.toContain('RADIUS_EAP_THREAD_STUCK');
      const answer = await port.handle({ client: { name: 'sw-1', tenantId: 'default' }, eap: Buffer.from([2, 1, 0, 5, 1]) });
      expect(answer).toEqual({ kind: 'discard', reason: 'eap-thread-exited' });
      expect(events()).toContain('RADIUS_EAP_THREAD_STUCK');
      await expect.poll(() => events().filter((e) => e === 'RADIUS_EAP_THREAD_READY').length, { timeout: 5000 }).toBe(2);
    } finally {
      port.close();
    }
  });
});

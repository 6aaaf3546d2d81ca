/**
 * The EAP threads' watchdog, with a stand-in thread script: a thread whose event loop never yields
 * again must not hold its logins for ever, and a healthy one must be left alone. And hostile input
 * through real EAP threads (the methods themselves are exercised with eapol_test in
 * test/radius-eap.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EAP_CODE, EAP_TYPE, encodeEap } from '../../codec/eap.js';
import type { EapCredentials } from '../credentials.js';
import { selfSignedCertificate } from '../tls-test-wire.js';
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

describe('hostile EAP through real threads', () => {
  it('random packets and States never succeed, never kill a thread, and the threads still answer afterwards', async () => {
    const cert = await selfSignedCertificate('radius.test');
    const port = await ThreadedEapPort.start({
      threads: 2,
      settings: { methods: ['tls', 'peap-mschapv2', 'ttls-pap', 'md5'], certPem: cert.pem, keyPem: cert.key, clientCaPems: [cert.pem], stateTimeoutMs: 30_000, maxRoundTrips: 50, fragmentBytes: 1000, resumptionSeconds: 0 },
      credentials,
      log: pino({ level: 'silent' }),
    });
    const client = { name: 'sw-1', tenantId: 'default' };
    const identity = encodeEap({ code: EAP_CODE.RESPONSE, identifier: 1, type: EAP_TYPE.IDENTITY, data: Buffer.from('mallory') });
    try {
      // States a thread handed out, to aim random packets at live conversations too.
      const live: Buffer[] = [];
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 1200 }),
          fc.oneof(fc.constant(undefined), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(9).map((i) => live[i])),
          fc.boolean(),
          async (eap, state, begin) => {
            if (begin) {
              const a = await port.handle({ client, eap: identity, mac: '02:00:00:00:00:01' });
              if (a.kind === 'challenge') live.push(a.state);
            }
            const a = await port.handle({ client, eap: Buffer.from(eap), ...(state ? { state: Buffer.from(state) } : {}) });
            expect(a.kind).not.toBe('success');
          },
        ),
        { numRuns: 400 },
      );
      expect(port.threadStats().every((s) => s.succeeded === 0)).toBe(true);
      for (const mac of ['02:00:00:00:00:01', '02:00:00:00:00:02']) expect((await port.handle({ client, eap: identity, mac })).kind).toBe('challenge');
    } finally {
      port.close();
    }
  });
});

/**
 * An EAP thread: one EAP port (its own conversations, TLS sessions and certificate facts) behind
 * a MessagePort. The RADIUS server's thread keeps RADIUS; this thread does the TLS handshakes,
 * which are most of an EAP authentication's CPU. Inner credentials are asked of the main thread,
 * which holds the store and the directory connections.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../../../policy/log.js';
import { credentialsProxy } from '../credentials-proxy.js';
import { createEapPort } from '../index.js';
import { asBuffer, statsTuple, toWire, type EapThreadData, type FromThread, type StatsTuple, type ToThread } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('eap-thread.ts runs as a worker thread');
const data = workerData as EapThreadData;
const post = (m: FromThread) => port.postMessage(m);

const proxy = credentialsProxy(post, asBuffer);
const credentials = proxy.credentials;

// process.stdout, not fd 1: in a thread it is a pipe to the main thread, which relays the lines to its log.
const log = createLogger(data.logLevel, process.stdout).child({ eapThread: data.tag });
const eap = createEapPort({ ...data.settings, credentials, log, stateTag: data.tag });

/** The stats as last sent: most answers (mid-conversation challenges) change none of them. */
let sentStats: StatsTuple = [];

function changedStats(): StatsTuple | null {
  const now = statsTuple(eap.stats());
  if (now.every((v, i) => v === sentStats[i])) return null;
  sentStats = now;
  return now;
}

port.on('message', (m: ToThread) => {
  if (!Array.isArray(m)) {
    if (m.kind === 'ping') return post({ kind: 'pong' });
    if (m.kind === 'revocations') return eap.updateRevocations(m.lists);
    proxy.answered(m);
    return;
  }
  const [id, nas, tenantId, packet, state] = m;
  const req = { client: { name: nas, tenantId }, eap: asBuffer(packet), ...(state ? { state: asBuffer(state) } : {}) };
  void eap.handle(req).then((answer) => post([id, toWire(answer), changedStats()]));
});

post({ kind: 'ready' });

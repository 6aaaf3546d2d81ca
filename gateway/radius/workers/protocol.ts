/**
 * The messages between the main process and its RADIUS worker processes (`radius.workers`).
 *
 * The main process binds the RADIUS ports and passes the sockets to the workers: a socket of its
 * own per port and worker where the kernel can spread a port over a group (server/port-group.ts),
 * else the same two sockets to all. A worker answers MAB,
 * accounting and Status-Server itself; what only the main process holds it asks for or hands over:
 * - admissions it has no fresh copy of (`lookup`); the main process also pushes every change it
 *   learns (`admission` without a request id), so a verdict change reaches the workers at once;
 * - session records (`sessions`), which the main process's session table keeps for CoA and the API;
 * - EAP requests (`eap`): a conversation's state lives in one process, and its next round trip
 *   may reach any, so the main process serves all of EAP;
 * - metrics, gathered when /metrics is scraped;
 * - the watchdog's `ping`: a worker stuck in a loop would hold its socket's share of the requests
 *   for ever, so one that has not answered by the next ping is killed and replaced.
 * Messages travel with `serialization: 'advanced'`, so Buffers cross as bytes.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { KennekiConfig } from '../../../policy/config/schema.js';
import type { Admission } from '../../../policy/service/admission.js';
import type { SessionTouch } from '../../sessions/session-table.js';

export interface WorkerInit {
  kind: 'init';
  index: number;
  logLevel: string;
  /** Secrets resolved; it travels over the IPC pipe only. */
  radius: KennekiConfig['radius'];
}

/** Main process → worker. A `socket` message carries the dgram socket as its handle. */
export type ToWorker =
  | WorkerInit
  | { kind: 'socket'; port: 'auth' | 'acct' }
  /** `admission: null`: forget what you know of this MAC. `requestId`: the answer to a lookup. */
  | { kind: 'admission'; tenantId: string; mac: string; admission: Admission | null; requestId?: number }
  | { kind: 'lookup-failed'; requestId: number; reason: string }
  | { kind: 'metrics'; requestId: number }
  | { kind: 'ping' };

export type ForwardedTouch =
  | { op: 'authorized'; touch: SessionTouch }
  | { op: 'accounted'; touch: SessionTouch; status: 'start' | 'interim' | 'stop'; stopCause?: string };

/** Worker → main process. */
export type FromWorker =
  /** Sent once the worker listens for messages: sockets sent before would read into the void. */
  | { kind: 'hello' }
  | { kind: 'ready' }
  | { kind: 'pong' }
  | { kind: 'lookup'; requestId: number; tenantId: string; mac: string }
  | { kind: 'sessions'; touches: ForwardedTouch[] }
  | { kind: 'eap'; datagram: Uint8Array; address: string; family: 'IPv4' | 'IPv6'; port: number; size: number }
  | { kind: 'metrics'; requestId: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

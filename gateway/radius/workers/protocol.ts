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
 * - EAP requests (`eap`). Where the auth port is a group steered by State, each worker holds the
 *   conversations it started (its index is the first byte of every State it issues, and the
 *   kernel hands it every request carrying one); it asks the main process for inner credentials
 *   (`credential`) and for the endpoint a Kenneki device certificate names (`device`), and learns
 *   CRL changes (`revocations`). A request that reached the wrong worker (a State the kernel's
 *   program could not find) goes through the main process to the right one (`eap` with `to`).
 *   Otherwise a conversation's next round trip may reach any process, and the main process
 *   serves all of EAP;
 * - metrics, gathered when /metrics is scraped;
 * - the watchdog's `ping`: a worker stuck in a loop would hold its socket's share of the requests
 *   for ever, so one that has not answered by the next ping is killed and replaced.
 * Messages travel with `serialization: 'advanced'`, so Buffers cross as bytes.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { KennekiConfig } from '../../../policy/config/schema.js';
import type { Admission } from '../../../policy/service/admission.js';
import type { SessionTouch } from '../../sessions/session-table.js';
import type { RevocationList } from '../eap/revocation.js';
import type { CredentialAnswer, CredentialRequest, EapThreadSettings } from '../eap/threads/protocol.js';

export interface WorkerInit {
  kind: 'init';
  index: number;
  logLevel: string;
  /** Secrets resolved; it travels over the IPC pipe only. */
  radius: KennekiConfig['radius'];
  /** How many workers serve the ports (a State's first byte modulo this names its worker). */
  workers: number;
  /** Set when this worker holds EAP conversations itself: its EAP port's settings. */
  eap?: EapThreadSettings;
}

/** A datagram handed between processes. */
export interface Datagram {
  datagram: Uint8Array;
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
  size: number;
}

/** Main process → worker. A `socket` message carries the dgram socket as its handle. */
export type ToWorker =
  | WorkerInit
  | { kind: 'socket'; port: 'auth' | 'acct' }
  /** `admission: null`: forget what you know of this MAC. `requestId`: the answer to a lookup. */
  | { kind: 'admission'; tenantId: string; mac: string; admission: Admission | null; requestId?: number }
  | { kind: 'lookup-failed'; requestId: number; reason: string }
  | { kind: 'metrics'; requestId: number }
  | { kind: 'ping' }
  | CredentialAnswer
  | { kind: 'revocations'; lists: RevocationList[] }
  | { kind: 'device'; requestId: number; admission: Admission | null }
  /** An EAP request another worker read, for the conversation this one holds. */
  | ({ kind: 'eap' } & Datagram);

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
  /** For the main process's EAP port, or with `to` for the worker holding the conversation. */
  | ({ kind: 'eap'; to?: number } & Datagram)
  | CredentialRequest
  | { kind: 'device'; requestId: number; tenantId: string; deviceId: string }
  | { kind: 'metrics'; requestId: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

/**
 * Messages between the RADIUS server's thread and its EAP threads (threaded-port.ts, eap-thread.ts).
 *
 * The per-packet messages are tuples, not objects: the structured clone rebuilds an object
 * property by property on arrival, and under load that cost the RADIUS thread more than the rest
 * of its EAP work (a third of its time in `perf`). Buffers cross as Uint8Array (the clone drops
 * Buffer's prototype) and are wrapped again on arrival, and always through `bytes()`: the clone
 * copies a view's whole ArrayBuffer, and a small Buffer is a view into Node's shared 8 KiB pool.
 * The rare messages stay objects.
 */
import type { EapAnswer } from '../../server/eap-port.js';
import type { PasswordCheck } from '../credentials.js';
import type { EapPortOptions } from '../index.js';
import type { RevocationList } from '../revocation.js';
import type { EapStats } from '../port.js';

/** What a thread needs to build its EAP port: the options that are data. */
export type EapThreadSettings = Omit<EapPortOptions, 'credentials' | 'log' | 'now' | 'stateTag'>;

export interface EapThreadData {
  settings: EapThreadSettings;
  /** The thread's index, written into every State it hands out. */
  tag: number;
  logLevel: string;
}

export type CredentialOp = 'checkPassword' | 'ntHash' | 'labPassword';

/** One EAP request for a thread. */
export type HandleMessage = [id: number, nas: string, tenantId: string, eap: Uint8Array, state: Uint8Array | null];
export type CredentialAnswer = { kind: 'credential'; id: number; value?: PasswordCheck | Uint8Array | string; error?: string };
/** The watchdog's question: a thread whose event loop is stuck never answers it. */
export type Ping = { kind: 'ping' };
/** The CRL files changed. */
export type RevocationUpdate = { kind: 'revocations'; lists: RevocationList[] };
export type ToThread = HandleMessage | CredentialAnswer | Ping | RevocationUpdate;

/** An EapAnswer as a tuple whose first element is its kind. */
export type WireAnswer =
  | [kind: typeof KIND.challenge, eap: Uint8Array, state: Uint8Array]
  | [kind: typeof KIND.success, eap: Uint8Array, identity: string, method: string, deviceId: string | null, held: boolean, msk: Uint8Array | null]
  | [kind: typeof KIND.failure, eap: Uint8Array, reason: string]
  | [kind: typeof KIND.discard, reason: string];

/** EapStats in STAT_KEYS order. */
export type StatsTuple = number[];
/** An answer, with the thread's stats when they changed since its last answer (null otherwise). */
export type AnswerMessage = [id: number, answer: WireAnswer, stats: StatsTuple | null];
export type CredentialRequest = { kind: 'credential'; id: number; op: CredentialOp; tenantId: string; user: string; password?: string };
export type FromThread = { kind: 'ready' } | { kind: 'pong' } | AnswerMessage | CredentialRequest;

const KIND = { challenge: 0, success: 1, failure: 2, discard: 3 } as const;
export const STAT_KEYS = ['conversations', 'started', 'succeeded', 'failed', 'discarded', 'fullHandshakes', 'resumedHandshakes'] as const satisfies readonly (keyof EapStats)[];

/**
 * `u` as a Uint8Array that owns exactly its bytes. The structured clone copies the whole
 * ArrayBuffer behind a view, so a 40-byte State cut from Node's Buffer pool crossed as 8 KiB: four
 * such copies per EAP round trip made malloc a fifth of the RADIUS thread's time.
 */
export const bytes = (u: Uint8Array): Uint8Array => (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? u : Uint8Array.prototype.slice.call(u));

export const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

export function toWire(a: EapAnswer): WireAnswer {
  switch (a.kind) {
    case 'challenge':
      return [KIND.challenge, bytes(a.eap), bytes(a.state)];
    case 'success':
      return [KIND.success, bytes(a.eap), a.identity, a.method, a.deviceId ?? null, a.held === true, a.msk ? bytes(a.msk) : null];
    case 'failure':
      return [KIND.failure, bytes(a.eap), a.reason];
    case 'discard':
      return [KIND.discard, a.reason];
  }
}

export function fromWire(w: WireAnswer): EapAnswer {
  switch (w[0]) {
    case KIND.challenge:
      return { kind: 'challenge', eap: asBuffer(w[1]), state: asBuffer(w[2]) };
    case KIND.success: {
      const [, eap, identity, method, deviceId, held, msk] = w;
      return { kind: 'success', eap: asBuffer(eap), identity, method, ...(deviceId !== null ? { deviceId } : {}), ...(held ? { held } : {}), ...(msk ? { msk: asBuffer(msk) } : {}) };
    }
    case KIND.failure:
      return { kind: 'failure', eap: asBuffer(w[1]), reason: w[2] };
    case KIND.discard:
      return { kind: 'discard', reason: w[1] };
  }
}

export const statsTuple = (s: EapStats): StatsTuple => STAT_KEYS.map((k) => s[k]);

export function statsOf(t: StatsTuple): EapStats {
  const s = {} as EapStats;
  STAT_KEYS.forEach((k, i) => (s[k] = t[i] ?? 0));
  return s;
}

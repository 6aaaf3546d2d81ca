/**
 * Messages between the RADIUS server's thread and its EAP threads (threaded-port.ts, eap-thread.ts).
 * Buffers cross as Uint8Array (the structured clone drops Buffer's prototype) and are wrapped again
 * on arrival.
 */
import type { EapStats } from '../port.js';
import type { EapPortOptions } from '../index.js';
import type { PasswordCheck } from '../credentials.js';

/** What a thread needs to build its EAP port: the options that are data. */
export type EapThreadSettings = Omit<EapPortOptions, 'credentials' | 'log' | 'now' | 'stateTag'>;

export interface EapThreadData {
  settings: EapThreadSettings;
  /** The thread's index, written into every State it hands out. */
  tag: number;
  logLevel: string;
}

export type CredentialOp = 'checkPassword' | 'ntHash' | 'labPassword';

export type ToThread =
  | { kind: 'handle'; id: number; nas: string; tenantId: string; eap: Uint8Array; state?: Uint8Array }
  | { kind: 'credential'; id: number; value?: PasswordCheck | Uint8Array | string; error?: string };

/** An EapAnswer with its buffers as Uint8Array. */
export type WireAnswer =
  | { kind: 'challenge'; eap: Uint8Array; state: Uint8Array }
  | { kind: 'success'; eap: Uint8Array; identity: string; method: string; deviceId?: string; held?: boolean; msk?: Uint8Array }
  | { kind: 'failure'; eap: Uint8Array; reason: string }
  | { kind: 'discard'; reason: string };

export type FromThread =
  | { kind: 'ready' }
  /** `stats` rides on every answer, so the main thread's view is never older than its last answer. */
  | { kind: 'answer'; id: number; answer: WireAnswer; stats: EapStats }
  | { kind: 'credential'; id: number; op: CredentialOp; tenantId: string; user: string; password?: string };

export const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

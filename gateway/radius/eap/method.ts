/** What a method (EAP-TLS, TTLS, PEAP, MD5) does inside a conversation the port keeps. */
import type { Logger } from 'pino';
import type { EapCredentials } from './credentials.js';

export type EapMethodName = 'tls' | 'ttls-pap' | 'peap-mschapv2' | 'md5';

export interface MethodContext {
  tenantId: string;
  /** The outer EAP identity (may be anonymous for the tunnelled methods). */
  identity: string;
  credentials: EapCredentials;
  log: Logger;
}

export type MethodStep =
  /** The type data of the next EAP-Request of this method. */
  | { kind: 'request'; data: Buffer }
  | { kind: 'success'; identity: string; msk?: Buffer; deviceId?: string; held?: boolean }
  | { kind: 'failure'; reason: string };

export interface EapMethod {
  readonly type: number;
  readonly name: EapMethodName;
  /** The first request; `id` is the EAP identifier it will carry. */
  start(id: number): MethodStep;
  /** A response of this method's type; `nextId` is the identifier of the request that would follow. */
  handle(typeData: Buffer, nextId: number): Promise<MethodStep>;
  /** Releases what the method holds (a TLS socket); idempotent. */
  close(): void;
}

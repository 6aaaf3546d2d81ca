/**
 * EAP methods for the RADIUS server: EAP-TLS, EAP-TTLS/PAP, PEAPv0/EAP-MSCHAPv2 and (lab only)
 * EAP-MD5, behind the server's EapPort contract (../server/eap-port.ts).
 */
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { KennekiError } from '../../../policy/errors.js';
import type { EapPort } from '../server/eap-port.js';
import type { EapCredentials } from './credentials.js';
import type { EapMethodName } from './method.js';
import { EapConversations, type EapStats } from './port.js';
import type { RevocationList } from './revocation.js';
import { buildTlsContexts, type TlsEngineName } from './tls-contexts.js';
import type { EapThreadSettings } from './threads/protocol.js';

export type { EapCredentials } from './credentials.js';
export type { EapMethodName } from './method.js';
export type { EapStats } from './port.js';
export { loadRevocationLists, type RevocationList } from './revocation.js';
export { ntHashOf } from './mschapv2.js';
export { chooseTlsEngine, type TlsEngineName } from './tls-contexts.js';

export interface EapPortOptions {
  methods: readonly EapMethodName[];
  /** Server certificate chain and key (PEM). */
  certPem: string;
  keyPem: string;
  /** CAs whose client certificates EAP-TLS accepts (PEM strings); include Kenneki's CA to accept device certificates. */
  clientCaPems: string[];
  /** Kenneki's CA: a client certificate it issued names the device id in its CN. */
  kennekiCaPem?: string;
  credentials: EapCredentials;
  stateTimeoutMs: number;
  maxRoundTrips: number;
  fragmentBytes: number;
  /** TLS session lifetime for EAP-TLS resumption; 0 turns resumption off. */
  resumptionSeconds: number;
  /** radius.eap.tls_engine (default 'auto': native when its module is built). */
  tlsEngine?: TlsEngineName | 'auto';
  log: Logger;
  now?: () => number;
  /** Live conversations at most (default 10,000); beyond it new conversations are discarded. */
  maxConversations?: number;
  /** TLS bytes a peer may send in one conversation (default 64 KiB). */
  maxTlsBytes?: number;
  /** The first byte of every State (an EAP thread's index); random when absent. */
  stateTag?: number;
  /** CRLs for EAP-TLS, from loadRevocationLists (radius.eap.crl_files). */
  revocations?: readonly RevocationList[];
}

export interface EapPortHandle extends EapPort {
  stats(): EapStats;
  /** The CRL files changed: later EAP-TLS handshakes are judged by these lists. */
  updateRevocations(lists: readonly RevocationList[]): void;
  /** Forgets every conversation and stops the timer; idempotent. */
  close(): void;
  /** What RADIUS worker processes need to hold conversations of their own (shareable-port.ts). */
  readonly share?: EapShare;
}

export interface EapShare {
  /** The port's options that are data, with the CRLs currently in force. */
  settings: EapThreadSettings;
  credentials: EapCredentials;
  /** Called with the new lists whenever the CRL files change; returns the unsubscribe. */
  onRevocations(listener: (lists: readonly RevocationList[]) => void): () => void;
}

/**
 * TLS bytes per EAP fragment at most, so an Access-Challenge stays within RADIUS's 4096 bytes:
 * 20 header + 18 Message-Authenticator + 20 State + 16 EAP-Message headers + 10 EAP/TLS header.
 */
const MAX_FRAGMENT_BYTES = 3990;

export function createEapPort(o: EapPortOptions): EapPortHandle {
  if (o.methods.length === 0) throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', 'radius.eap.methods: no EAP method is enabled');
  const now = o.now ?? Date.now;
  const log = o.log.child({ component: 'eap' });
  let contexts: ReturnType<typeof buildTlsContexts>;
  let kennekiCa: X509Certificate | undefined;
  try {
    contexts = buildTlsContexts({ certPem: o.certPem, keyPem: o.keyPem, clientCaPems: o.clientCaPems, resumptionSeconds: o.resumptionSeconds, now, ...(o.tlsEngine ? { engine: o.tlsEngine } : {}) });
    kennekiCa = o.kennekiCaPem !== undefined ? new X509Certificate(o.kennekiCaPem) : undefined;
  } catch (cause) {
    // A bad certificate, key or CA file must stop the start, not surface at the first handshake.
    throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', `radius.eap: the EAP server certificate, key or a client CA is unusable: ${(cause as Error).message}`, { cause });
  }
  return new EapConversations({
    methods: o.methods,
    contexts,
    credentials: o.credentials,
    ...(kennekiCa ? { kennekiCa } : {}),
    stateTimeoutMs: o.stateTimeoutMs,
    maxRoundTrips: o.maxRoundTrips,
    fragmentBytes: Math.max(64, Math.min(o.fragmentBytes, MAX_FRAGMENT_BYTES)),
    maxTlsBytes: o.maxTlsBytes ?? 64 * 1024,
    maxConversations: o.maxConversations ?? 10_000,
    ...(o.stateTag !== undefined ? { stateTag: o.stateTag } : {}),
    ...(o.revocations ? { revocations: o.revocations } : {}),
    log,
    now,
  });
}

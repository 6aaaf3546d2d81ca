/**
 * The EAP side of the RADIUS server: one conversation per State we hand out, each running one
 * method at a time.
 *
 * - A conversation starts with EAP-Response/Identity (or an EAP-Start, answered with an Identity
 *   request) and a fresh random State; every challenge gets a new State and the old one dies, so a
 *   replayed or stale State finds nothing (discard).
 * - The first enabled method in the order tls, peap-mschapv2, ttls-pap, md5 is proposed; a legacy
 *   Nak to that first request moves to the first type the peer asks for that is enabled.
 * - A State answers only the NAS it was given to, and only the EAP identifier we last sent.
 * - Limits: round trips, idle time, live conversations, TLS bytes per conversation. A request
 *   over a limit ends in EAP-Failure (a started conversation) or a discard (none to answer).
 * - handle() never throws: anything unexpected is logged and the request is discarded.
 */
import { randomBytes } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { EAP_CODE, EAP_TYPE, decodeEap, encodeEap, type EapPacket } from '../codec/eap.js';
import type { EapAnswer, EapPort, EapRequest } from '../server/eap-port.js';
import type { EapCredentials } from './credentials.js';
import { Md5Method } from './md5.js';
import type { EapMethod, EapMethodName, MethodContext, MethodStep } from './method.js';
import { PeapMschapv2Tunnel } from './peap.js';
import { PeerCertificates } from './peer-certificates.js';
import { Revocations, type RevocationList } from './revocation.js';
import type { TlsContexts } from './tls-contexts.js';
import { TlsMethod } from './tls-method.js';
import { TtlsPapTunnel, decodeUtf8 } from './ttls.js';

/** The order methods are proposed in: strongest first, EAP-MD5 (lab only) last. */
export const PROPOSAL_ORDER: readonly EapMethodName[] = ['tls', 'peap-mschapv2', 'ttls-pap', 'md5'];
const TYPE_OF: Record<EapMethodName, number> = { tls: EAP_TYPE.TLS, 'peap-mschapv2': EAP_TYPE.PEAP, 'ttls-pap': EAP_TYPE.TTLS, md5: EAP_TYPE.MD5_CHALLENGE };
const STATE_BYTES = 18;

export interface EapStats {
  conversations: number;
  started: number;
  succeeded: number;
  failed: number;
  discarded: number;
  fullHandshakes: number;
  resumedHandshakes: number;
}

export interface PortSettings {
  methods: readonly EapMethodName[];
  contexts: TlsContexts;
  credentials: EapCredentials;
  kennekiCa?: X509Certificate;
  stateTimeoutMs: number;
  maxRoundTrips: number;
  fragmentBytes: number;
  maxTlsBytes: number;
  maxConversations: number;
  /** Written into the first byte of every State: which EAP thread holds the conversation. */
  stateTag?: number;
  /** CRLs for EAP-TLS (radius.eap.crl_files), already checked against the client CAs. */
  revocations?: readonly RevocationList[];
  log: Logger;
  now: () => number;
}

interface Conversation {
  key: string;
  nas: string;
  tenantId: string;
  identity: string;
  awaitingIdentity: boolean;
  method?: EapMethod;
  /** Requests the current method has sent: a Nak is only an answer to the first. */
  methodRequests: number;
  tried: Set<EapMethodName>;
  lastId: number;
  challenges: number;
  startedAt: number;
  expiresAt: number;
  busy: boolean;
}

export class EapConversations implements EapPort {
  private readonly table = new Map<string, Conversation>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly peers: PeerCertificates;
  private readonly revocations: Revocations;
  private readonly counts: Omit<EapStats, 'conversations'> = { started: 0, succeeded: 0, failed: 0, discarded: 0, fullHandshakes: 0, resumedHandshakes: 0 };

  constructor(private readonly s: PortSettings) {
    this.peers = new PeerCertificates(s.kennekiCa);
    this.revocations = new Revocations(s.revocations ?? []);
    this.timer = setInterval(() => this.sweep(), Math.max(1000, Math.min(s.stateTimeoutMs, 10_000)));
    this.timer.unref();
  }

  async handle(req: EapRequest): Promise<EapAnswer> {
    try {
      const a = await this.step(req);
      if (a.kind === 'discard') this.counts.discarded++;
      return a;
    } catch (err) {
      this.s.log.error({ evt: 'EAP_INTERNAL_ERROR', nas: req.client.name, err }, 'EAP request failed inside the server; discarded');
      this.counts.discarded++;
      return { kind: 'discard', reason: 'internal-error' };
    }
  }

  stats(): EapStats {
    return { conversations: this.table.size, ...this.counts };
  }

  /** The CRL files changed: later handshakes are judged by these lists. */
  updateRevocations(lists: readonly RevocationList[]): void {
    this.revocations.replace(lists);
  }

  /** Forgets every conversation and stops the sweeper; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const c of this.table.values()) c.method?.close();
    this.table.clear();
    this.s.contexts.cache?.sweep();
  }

  private async step(req: EapRequest): Promise<EapAnswer> {
    if (this.closed) return discard('closed');
    if (!req.state) return this.begin(req);
    const key = req.state.toString('hex');
    const conv = this.table.get(key);
    if (!conv) return discard('unknown-state');
    if (conv.expiresAt <= this.s.now()) {
      this.end(conv);
      return discard('expired-state');
    }
    if (conv.nas !== req.client.name) return discard('state-of-another-nas');
    if (conv.busy) return discard('conversation-busy');
    let p: EapPacket;
    try {
      p = decodeEap(req.eap);
    } catch {
      return discard('malformed-eap');
    }
    // RFC 3748 §4.1: a Response whose identifier does not match the outstanding request is discarded.
    if (p.code !== EAP_CODE.RESPONSE || p.identifier !== conv.lastId || p.type === undefined) return discard('unexpected-eap');
    conv.busy = true;
    try {
      return await this.advance(conv, p, Buffer.from(p.data));
    } finally {
      conv.busy = false;
    }
  }

  private begin(req: EapRequest): EapAnswer {
    // RFC 3579 §2.1: an EAP-Start (an empty EAP-Message) asks us to send the Identity request.
    const start = req.eap.length === 0;
    let p: EapPacket | undefined;
    if (!start) {
      try {
        p = decodeEap(req.eap);
      } catch {
        return discard('malformed-eap');
      }
      if (p.code !== EAP_CODE.RESPONSE || p.type !== EAP_TYPE.IDENTITY) return discard('no-state');
    }
    if (this.table.size >= this.s.maxConversations) {
      this.sweep();
      if (this.table.size >= this.s.maxConversations) {
        this.s.log.warn({ evt: 'EAP_TOO_MANY_CONVERSATIONS', limit: this.s.maxConversations }, 'EAP conversation limit reached; new conversation discarded');
        return discard('too-many-conversations');
      }
    }
    const now = this.s.now();
    const conv: Conversation = {
      key: '',
      nas: req.client.name,
      tenantId: req.client.tenantId,
      identity: '',
      awaitingIdentity: start,
      methodRequests: 0,
      tried: new Set(),
      lastId: p?.identifier ?? randomBytes(1)[0]!,
      challenges: 0,
      startedAt: now,
      expiresAt: now + this.s.stateTimeoutMs,
      busy: false,
    };
    this.counts.started++;
    if (start) return this.challenge(conv, EAP_TYPE.IDENTITY, Buffer.alloc(0));
    return this.identified(conv, p!.data);
  }

  private identified(conv: Conversation, data: Uint8Array): EapAnswer {
    const identity = decodeUtf8(data);
    // An identity that is not text is not refused outright: EAP-TLS names the peer by its certificate.
    conv.identity = identity !== undefined && identity.length <= 253 ? identity.replace(/\0+$/, '') : '';
    conv.awaitingIdentity = false;
    const next = PROPOSAL_ORDER.find((m) => this.s.methods.includes(m));
    if (!next) return this.fail(conv, conv.lastId, 'no EAP method is enabled');
    return this.propose(conv, next);
  }

  private async advance(conv: Conversation, p: EapPacket, data: Buffer): Promise<EapAnswer> {
    if (conv.awaitingIdentity) {
      if (p.type !== EAP_TYPE.IDENTITY) return this.fail(conv, p.identifier, `expected an Identity response, got type ${p.type}`);
      return this.identified(conv, data);
    }
    const method = conv.method;
    if (!method) return this.fail(conv, p.identifier, 'no method');
    if (p.type === EAP_TYPE.NAK) {
      if (conv.methodRequests !== 1) return this.fail(conv, p.identifier, 'Nak in the middle of a method');
      const wanted = [...data].map((t) => PROPOSAL_ORDER.find((m) => TYPE_OF[m] === t)).find((m): m is EapMethodName => m !== undefined && this.s.methods.includes(m) && !conv.tried.has(m));
      if (!wanted) return this.fail(conv, p.identifier, `the peer declined ${method.name} and asked only for types not enabled (${[...data].join(', ') || 'none'})`);
      return this.propose(conv, wanted);
    }
    if (p.type !== method.type) return this.fail(conv, p.identifier, `response of type ${p.type} to a ${method.name} request`);
    const step = await method.handle(data, (p.identifier + 1) & 0xff);
    return this.apply(conv, p.identifier, step, method);
  }

  private propose(conv: Conversation, name: EapMethodName): EapAnswer {
    conv.method?.close();
    const ctx: MethodContext = { tenantId: conv.tenantId, identity: conv.identity, credentials: this.s.credentials, log: this.s.log };
    const method = this.create(name, ctx);
    conv.method = method;
    conv.tried.add(name);
    conv.methodRequests = 0;
    return this.apply(conv, conv.lastId, method.start((conv.lastId + 1) & 0xff), method);
  }

  private create(name: EapMethodName, ctx: MethodContext): EapMethod {
    const tls = { contexts: this.s.contexts, fragmentBytes: this.s.fragmentBytes, maxTlsBytes: this.s.maxTlsBytes, ctx, observer: this };
    switch (name) {
      case 'tls':
        return new TlsMethod({ kind: 'tls', ...tls, peers: this.peers, revocations: this.revocations, now: this.s.now });
      case 'ttls-pap':
        return new TlsMethod({ kind: 'ttls', ...tls, tunnel: new TtlsPapTunnel(ctx) });
      case 'peap-mschapv2':
        return new TlsMethod({ kind: 'peap', ...tls, tunnel: new PeapMschapv2Tunnel(ctx) });
      case 'md5':
        return new Md5Method(ctx);
    }
  }

  /** TlsObserver: counts full and resumed handshakes. */
  handshake(method: EapMethodName, resumed: boolean): void {
    if (resumed) this.counts.resumedHandshakes++;
    else this.counts.fullHandshakes++;
    this.s.log.debug({ evt: resumed ? 'EAP_TLS_RESUMED' : 'EAP_TLS_HANDSHAKE', method }, resumed ? 'TLS session resumed' : 'full TLS handshake');
  }

  private apply(conv: Conversation, responseId: number, step: MethodStep, method: EapMethod): EapAnswer {
    switch (step.kind) {
      case 'request':
        conv.methodRequests++;
        return this.challenge(conv, method.type, step.data);
      case 'failure':
        return this.fail(conv, responseId, step.reason);
      case 'success': {
        this.end(conv);
        this.counts.succeeded++;
        this.s.log.info(
          { evt: 'EAP_SUCCEEDED', nas: conv.nas, method: method.name, identity: step.identity, deviceId: step.deviceId, roundTrips: conv.challenges, ms: this.s.now() - conv.startedAt },
          `EAP ${method.name} succeeded for ${step.identity}`,
        );
        return {
          kind: 'success',
          eap: encodeEap({ code: EAP_CODE.SUCCESS, identifier: responseId, data: Buffer.alloc(0) }),
          identity: step.identity,
          method: method.name,
          ...(step.deviceId !== undefined ? { deviceId: step.deviceId } : {}),
          ...(step.msk ? { msk: step.msk } : {}),
          ...(step.held === true ? { held: true } : {}),
        };
      }
    }
  }

  private challenge(conv: Conversation, type: number, data: Buffer): EapAnswer {
    if (conv.challenges >= this.s.maxRoundTrips) return this.fail(conv, conv.lastId, `over ${this.s.maxRoundTrips} round trips`);
    conv.challenges++;
    const id = (conv.lastId + 1) & 0xff;
    if (conv.key !== '') this.table.delete(conv.key);
    const state = randomBytes(STATE_BYTES);
    // 136 random bits remain: still far beyond guessing.
    if (this.s.stateTag !== undefined) state[0] = this.s.stateTag;
    conv.key = state.toString('hex');
    conv.lastId = id;
    conv.expiresAt = this.s.now() + this.s.stateTimeoutMs;
    this.table.set(conv.key, conv);
    return { kind: 'challenge', eap: encodeEap({ code: EAP_CODE.REQUEST, identifier: id, type, data }), state };
  }

  private fail(conv: Conversation, responseId: number, reason: string): EapAnswer {
    this.end(conv);
    this.counts.failed++;
    this.s.log.info({ evt: 'EAP_FAILED', nas: conv.nas, method: conv.method?.name, identity: conv.identity, reason, roundTrips: conv.challenges }, `EAP failed: ${reason}`);
    return { kind: 'failure', eap: encodeEap({ code: EAP_CODE.FAILURE, identifier: responseId, data: Buffer.alloc(0) }), reason };
  }

  private end(conv: Conversation): void {
    if (conv.key !== '') this.table.delete(conv.key);
    conv.method?.close();
  }

  private sweep(): void {
    const t = this.s.now();
    for (const c of this.table.values()) if (c.expiresAt <= t && !c.busy) this.end(c);
    this.s.contexts.cache?.sweep();
  }
}

function discard(reason: string): EapAnswer {
  return { kind: 'discard', reason };
}

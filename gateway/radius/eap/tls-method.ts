/**
 * The three TLS-based methods on one engine: EAP-TLS (RFC 5216), EAP-TTLS (RFC 5281) and PEAPv0.
 * They differ in the EAP type, the key-derivation label, and what runs inside the tunnel once the
 * handshake is done (nothing for EAP-TLS; `Tunnel` for the others).
 */
import { EAP_TYPE } from '../codec/eap.js';
import type { EapMethod, EapMethodName, MethodContext, MethodStep } from './method.js';
import type { PeerCertificates } from './peer-certificates.js';
import type { Revocations } from './revocation.js';
import type { TlsContexts } from './tls-contexts.js';
import type { TlsEngine } from './tls-engine.js';
import { InboundMessage, OutboundMessage, TLS_FLAGS, encodeTlsFragment, parseTlsFragment } from './tls-framing.js';

export type TunnelStep = { kind: 'send'; data: Buffer } | { kind: 'success'; identity: string; held?: boolean } | { kind: 'failure'; reason: string };

/** The inner conversation of TTLS or PEAP, in cleartext. */
export interface Tunnel {
  /** The handshake is done and the peer sent nothing more (its ACK of our Finished). */
  opened(): Promise<TunnelStep>;
  /** Application data from the peer. */
  data(clear: Buffer): Promise<TunnelStep>;
}

export interface TlsObserver {
  handshake(method: EapMethodName, resumed: boolean): void;
}

export interface TlsMethodOptions {
  kind: 'tls' | 'ttls' | 'peap';
  contexts: TlsContexts;
  fragmentBytes: number;
  /** TLS bytes a peer may send in one conversation. */
  maxTlsBytes: number;
  ctx: MethodContext;
  /** EAP-TLS: the client certificates' CN and issuer, shared by every conversation of the port. */
  peers?: PeerCertificates;
  /** EAP-TLS: the CRLs in force (radius.eap.crl_files), and the clock they are judged by. */
  revocations?: Revocations;
  now?: () => number;
  /** TTLS and PEAP: the inner conversation, built once the method is chosen. */
  tunnel?: Tunnel;
  observer: TlsObserver;
}

const SPEC = {
  tls: { type: EAP_TYPE.TLS, name: 'tls', label: 'client EAP encryption' },
  ttls: { type: EAP_TYPE.TTLS, name: 'ttls-pap', label: 'ttls keying material' },
  peap: { type: EAP_TYPE.PEAP, name: 'peap-mschapv2', label: 'client EAP encryption' },
} as const;

/** MSK length (RFC 5216 §2.3): 64 bytes, then 64 bytes of EMSK we do not use. */
const MSK_BYTES = 64;
/** TTLS and PEAP version 0; EAP-TLS has no version bits. */
const VERSION = 0;

export class TlsMethod implements EapMethod {
  readonly type: number;
  readonly name: EapMethodName;
  private readonly engine: TlsEngine;
  private readonly inbound: InboundMessage;
  private readonly outbound: OutboundMessage;
  private tlsBytes = 0;
  private established = false;
  /** Set once we sent a TLS alert: the peer's ACK of it ends the conversation with this reason. */
  private failing: string | undefined;
  private identity: string | undefined;
  private deviceId: string | undefined;
  private succeeded = false;

  constructor(private readonly o: TlsMethodOptions) {
    const spec = SPEC[o.kind];
    this.type = spec.type;
    this.name = spec.name;
    this.inbound = new InboundMessage(o.maxTlsBytes);
    this.outbound = new OutboundMessage(o.fragmentBytes);
    this.engine = o.contexts.open(o.kind === 'tls' ? 'tls' : 'tunnel');
  }

  start(): MethodStep {
    return request(encodeTlsFragment(TLS_FLAGS.START | VERSION, Buffer.alloc(0)));
  }

  async handle(typeData: Buffer): Promise<MethodStep> {
    if (this.failing !== undefined) return failure(this.failing);
    const f = parseTlsFragment(typeData);
    if (!f) return failure('malformed TLS fragment');
    if (this.o.kind !== 'tls' && f.version !== VERSION) return failure(`peer asked for ${this.name} version ${f.version}; only 0 is offered`);
    if (f.flags & TLS_FLAGS.START) return failure('the peer set the Start flag');
    if (this.outbound.pending) {
      if (f.data.length > 0 || f.flags & TLS_FLAGS.MORE) return failure('expected an ACK of our fragment');
      return request(this.outbound.next(VERSION));
    }
    const got = this.inbound.add(f);
    if (got === 'more') return request(encodeTlsFragment(VERSION, Buffer.alloc(0)));
    if (typeof got === 'string') return failure(got);
    this.tlsBytes += got.length;
    if (this.tlsBytes > this.o.maxTlsBytes) return failure(`peer sent over ${this.o.maxTlsBytes} TLS bytes`);

    let out: Buffer = Buffer.alloc(0);
    let clear: Buffer = Buffer.alloc(0);
    if (got.length > 0) {
      const r = await this.engine.receive(got);
      if (r.error) {
        const reason = `TLS: ${r.error.message}`;
        if (r.out.length === 0) return failure(reason);
        // Send the alert so the peer can say why; its ACK ends the conversation. Logged now, not
        // only at that ACK: some peers (strongSwan's EAP-TLS client) hang up on a fatal alert
        // instead, and the refusal would otherwise show only as an expired State.
        this.failing = reason;
        const { ctx } = this.o;
        ctx.log.info({ evt: 'EAP_TLS_REFUSED', method: this.name, identity: ctx.identity, reason }, `EAP ${this.name} refused: ${reason}; TLS alert sent, Reject follows the peer's ACK`);
        return this.send(r.out);
      }
      out = r.out;
      clear = r.clear;
    }
    if (!this.engine.secure) return out.length > 0 ? this.send(out) : failure('TLS handshake stalled (nothing to answer)');
    if (!this.established) {
      this.established = true;
      const refused = this.checkPeer();
      if (refused !== undefined) return failure(refused);
      this.o.observer.handshake(this.name, this.engine.resumed());
    }
    if (clear.length > 0) {
      if (!this.o.tunnel) return failure('application data inside EAP-TLS');
      return this.tunnelStep(await this.o.tunnel.data(clear), out);
    }
    if (out.length > 0) return this.send(out);
    // Nothing from TLS: the peer's ACK of our Finished, or its Finished of a resumed handshake.
    if (!this.o.tunnel) return this.succeed(this.identity ?? this.o.ctx.identity);
    return this.tunnelStep(await this.o.tunnel.opened(), out);
  }

  close(): void {
    // Only an authenticated conversation leaves a session to resume.
    this.engine.destroy(this.succeeded);
  }

  private async tunnelStep(s: TunnelStep, pending: Buffer): Promise<MethodStep> {
    if (s.kind === 'failure') return failure(s.reason);
    if (s.kind === 'success') return this.succeed(s.identity, s.held === true);
    const sealed = await this.engine.send(s.data);
    if (sealed.length === 0) return failure('TLS tunnel closed');
    return this.send(Buffer.concat([pending, sealed]));
  }

  private send(tls: Buffer): MethodStep {
    return request(this.outbound.start(tls, VERSION));
  }

  private succeed(identity: string, held = false): MethodStep {
    let msk: Buffer;
    try {
      msk = this.engine.exportKeyingMaterial(MSK_BYTES, SPEC[this.o.kind].label);
    } catch {
      return failure('no keying material (TLS not established)');
    }
    this.succeeded = true;
    return { kind: 'success', identity, msk, ...(this.deviceId !== undefined ? { deviceId: this.deviceId } : {}), ...(held ? { held } : {}) };
  }

  /** EAP-TLS: the client certificate must chain to a configured CA. Returns why not, or undefined. */
  private checkPeer(): string | undefined {
    if (this.o.kind !== 'tls') return undefined;
    const verdict = this.engine.verifyError();
    if (verdict === 'unknown') return 'cannot read the certificate verification result';
    if (verdict !== null) return `client certificate not trusted: ${verdict}`;
    if (!this.o.peers) return 'no client certificate registry (EAP-TLS misconfigured)';
    const facts = this.o.peers.facts(this.engine.peer);
    if (facts === undefined) return 'no client certificate';
    if (facts === 'mismatch') return 'the client certificate in the handshake is not the one TLS verified';
    const { cn, kennekiIssued } = facts;
    const revoked = this.o.revocations?.check(facts.issuer, facts.serial, (this.o.now ?? Date.now)());
    if (revoked !== undefined) return revoked;
    if (cn === undefined) return 'client certificate has no subject CN';
    this.identity = cn;
    if (kennekiIssued) this.deviceId = cn;
    return undefined;
  }
}

function request(data: Buffer): MethodStep {
  return { kind: 'request', data };
}

function failure(reason: string): MethodStep {
  return { kind: 'failure', reason };
}

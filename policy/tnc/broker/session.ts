/**
 * One TNCS connection, independent of the transport: the caller feeds it each PT-TLS message the
 * framer cut from the TLS stream and writes back the replies. It follows what a standard NEA
 * client (strongSwan's pt-tls-client with the OS IMC) expects, per nea-wire.md "What a standard
 * client does": version exchange, an always-sent SASL Mechanisms message, optional SASL PLAIN,
 * then PB-TNC batches until RESULT and CLOSE.
 *
 * receive() never rejects: a hostile peer must only ever earn a protocol error and a closed
 * connection, never a crash of the server.
 */
import type { Decision } from '../../decide/decision.js';
import type { FactKey, PostureFacts } from '../../posture/facts.js';
import { componentKey, subscribes, type Imv, type PaComponent } from '../imv/contract.js';
import { kennekiComponent } from '../imv/kenneki-imv.js';
import { OS_COMPONENT } from '../imv/os-imv.js';
import { defaultImvs } from '../imv/registry.js';
import { attributeTypeNotSupported, paErrorAttribute } from '../pa/error-attribute.js';
import { encodeIetfAttribute, type AttributeId } from '../pa/ietf-attributes.js';
import { KENNEKI_VENDOR_ID } from '../pa/constants.js';
import { decodePaMessage, encodePaMessage, type PaAttribute } from '../pa/message.js';
import { BatchType, decodeBatch, encodeBatch, type BatchTypeValue, type PbMessage } from '../pb/batch.js';
import { decodeIetfPbMessage, encodeIetfPbMessage, pbErrorFor, type PbPa } from '../pb/messages.js';
import { PbState, TncsStateMachine } from '../pb/state-machine.js';
import { SASL_RESULT, decodePtBody, ptMessage, saslPlain, type PtBody } from '../pt/bodies.js';
import { errorMessageFor } from '../pt/framer.js';
import { encodePtMessage, PT_TYPE, type PtMessage } from '../pt/message.js';
import { decodeEnrollmentRequest, encodeEnrollmentResponse, isEnrollmentRequest, type EnrollmentRequest, type EnrollmentResponse } from '../pt/kenneki-enrollment.js';
import { PB_ERROR, PT_ERROR, WireError } from '../wire-error.js';
import { languageFromPreference, type Language } from './language.js';
import { quarantineRulesAttribute, resultAttributes, resultPbMessages } from './result-batch.js';

export interface TncsSessionOptions {
  /** Checks SASL PLAIN credentials; undefined means no SASL is offered (empty Mechanisms). */
  authenticate?: (user: string, password: string) => Promise<boolean>;
  /**
   * Facts the policy's checks read: missing ones are asked for with an Attribute Request. A
   * function is called when the session assesses, so the answer reflects the policies then.
   */
  neededFacts: ReadonlySet<FactKey> | (() => Promise<ReadonlySet<FactKey>>);
  decide: (facts: PostureFacts) => Promise<Decision>;
  /** Language of the texts when the client states no usable preference. */
  language?: Language;
  limits: {
    /** SDATA batches (Attribute Requests) per assessment, so a client cannot loop us. */
    maxRoundTrips: number;
    /** Largest PB-TNC batch accepted; bigger is answered with PB-Error Local Error. */
    maxBatchBytes: number;
    /**
     * PB-TNC batches a client may send on this connection, reassessments included: without it a
     * client could hold a session busy forever with CRETRY. One more is a fatal Local Error.
     * Absent: DEFAULT_MAX_BATCHES, never unlimited.
     */
    maxBatches?: number;
  };
  /** Collection time stamped on facts (the client sends none); injectable for tests. */
  now?: () => Date;
  /** Kenneki's PA-TNC vendor id (pt_tls.vendor_id). Absent: KENNEKI_VENDOR_ID. */
  vendorId?: number;
  /**
   * Told of a failure that is ours, not the peer's (a store or PDP error while deciding): the
   * client only sees PB-TNC Local Error, so this is where the operator learns what happened.
   */
  onInternalError?: (err: unknown) => void;
  /** The validators PB-PA messages are routed to. Absent: defaultImvs(vendorId), OS and Kenneki. */
  imvs?: readonly Imv[];
  /**
   * Answers Kenneki's Enrollment Request (vendor vendorId, type 1), accepted only right after the
   * version exchange: one request, one Enrollment Response, then the connection closes. Absent:
   * the request is a type this server does not support, as before enrollment existed. Should
   * not reject; if it does, the device gets an `internal` refusal.
   */
  enroll?: (req: EnrollmentRequest) => Promise<EnrollmentResponse>;
  /**
   * The peer is not authenticated (mutual TLS without a verified certificate): the connection
   * may enroll and nothing else. SASL and PB-TNC are refused with a PT-TLS Invalid Message error
   * and the connection closes; `onRefused` hears each refusal, for the log.
   */
  enrollmentOnly?: { onRefused?: (reason: string) => void };
}

export interface ReceiveResult {
  replies: PtMessage[];
  /** True when the caller must close the connection after writing the replies. */
  close: boolean;
}

type Phase = 'version' | 'sasl-selection' | 'sasl-data' | 'pb' | 'closed';

/** The only PT-TLS version there is (RFC 6876 §3.6). */
const PT_VERSION = 1;
/** Our validator id in PB-PA headers; the client only uses it to address replies. */
export const KENNEKI_VALIDATOR_ID = 1;
/** Collector id meaning "any collector", for a PB-PA sent when no OS collector spoke. */
const ANY_COLLECTOR = 0xffff;
/** The config's default for pt_tls.limits.max_batches: room for dozens of reassessments. */
export const DEFAULT_MAX_BATCHES = 64;

export class TncsSession {
  private phase: Phase = 'version';
  private readonly pb = new TncsStateMachine();
  private nextPtId = 0;
  private nextPaId = 0;
  private roundTrips = 0;
  /** Client batches on this connection, for limits.maxBatches; never reset, unlike roundTrips. */
  private batches = 0;
  /**
   * Collector id per component the client spoke for (only components some IMV subscribes to, so
   * a client cannot grow it): Attribute Requests and results are addressed to these.
   */
  private readonly collectors = new Map<string, number>();
  private readonly imvs: readonly Imv[];
  private readonly kenneki: PaComponent;
  private lang: Language;
  private collected: PostureFacts = {};
  private decided: Decision | undefined;
  /** Serializes receive() calls: the protocol is strictly ordered, whatever the caller does. */
  private chain: Promise<unknown> = Promise.resolve();
  private push: ((messages: PtMessage[]) => void) | undefined;
  private readonly closedCallbacks: (() => void)[] = [];
  private gone = false;

  private readonly vendorId: number;

  constructor(private readonly opts: TncsSessionOptions) {
    const vendorId = opts.vendorId ?? KENNEKI_VENDOR_ID;
    this.vendorId = vendorId;
    this.imvs = opts.imvs ?? defaultImvs(vendorId);
    this.kenneki = kennekiComponent(vendorId);
    this.lang = opts.language ?? 'en';
  }

  /** Facts received so far, merged across batches (later attributes win). */
  get facts(): PostureFacts {
    return this.collected;
  }

  /** True when this connection may only enroll (its peer is not authenticated). */
  get enrollmentOnly(): boolean {
    return this.opts.enrollmentOnly !== undefined;
  }

  /** The decision sent in the RESULT batch, once there is one. */
  get decision(): Decision | undefined {
    return this.decided;
  }

  /**
   * The transport's way to send what the session starts itself (SRETRY). Set by the listener
   * once the connection is up; without it the session can only answer.
   */
  attach(push: (messages: PtMessage[]) => void): void {
    this.push = push;
  }

  /** Called by the transport when the connection is gone; runs the onClosed callbacks once. */
  transportClosed(): void {
    this.phase = 'closed';
    this.push = undefined;
    this.gone = true;
    for (const fn of this.closedCallbacks.splice(0)) {
      try {
        fn();
      } catch {
        // A cleanup callback's failure is not the connection's problem.
      }
    }
  }

  onClosed(fn: () => void): void {
    if (this.gone) fn();
    else this.closedCallbacks.push(fn);
  }

  /**
   * Server-initiated reassessment (RFC 5793 §3.2): in Decided, SRETRY (the server keeps the
   * turn), then SDATA with Attribute Requests for everything the policies need, handing the turn
   * to the client; its CDATA is assessed afresh and answered with a new RESULT. Resolves false
   * when the session cannot take one now: no decision yet, an exchange under way, or closed.
   */
  retry(): Promise<boolean> {
    const p = this.chain.then(async (): Promise<boolean> => {
      const push = this.push;
      if (this.phase !== 'pb' || this.pb.state !== PbState.Decided || push === undefined) return false;
      this.collected = {};
      this.roundTrips = 0;
      this.decided = undefined;
      const sretry = this.serverBatch(BatchType.SRETRY, []);
      const needed = typeof this.opts.neededFacts === 'function' ? await this.opts.neededFacts() : this.opts.neededFacts;
      this.roundTrips++;
      const pas = this.attributeRequests(needed).map((r) => this.paPb([encodeIetfAttribute({ type: 'attribute-request', attributes: r.attributes })], r.component, r.collectorId));
      // Even with nothing to ask for, SDATA is what gives the client the turn to report again.
      push([sretry, this.serverBatch(BatchType.SDATA, pas)]);
      return true;
    });
    const settled = p.catch(() => false);
    this.chain = settled;
    return settled;
  }

  receive(msg: PtMessage): Promise<ReceiveResult> {
    const p = this.chain.then(() => this.handle(msg));
    this.chain = p;
    return p;
  }

  private async handle(msg: PtMessage): Promise<ReceiveResult> {
    if (this.phase === 'closed') return { replies: [], close: true };
    try {
      return await this.dispatch(msg);
    } catch (e) {
      return this.fail(e, msg);
    }
  }

  /** Any failure becomes the error of the layer it came from, and the connection closes. */
  private fail(e: unknown, msg: PtMessage): ReceiveResult {
    this.phase = 'closed';
    if (!(e instanceof WireError)) {
      try {
        this.opts.onInternalError?.(e);
      } catch {
        // A failing logger must not change what the client is told.
      }
    }
    const offending = encodePtMessage(msg);
    if (e instanceof WireError && e.layer === 'pt-tls') return { replies: [errorMessageFor(e, offending, this.id())], close: true };
    if (this.pb.state !== PbState.Init || (e instanceof WireError && e.layer === 'pb-tnc')) {
      const err = e instanceof WireError && e.layer === 'pb-tnc' ? e : new WireError('pb-tnc', PB_ERROR.LOCAL_ERROR, 'internal error', 0);
      // A fatal PB-Error travels in a CLOSE batch: the PB session ends with it (RFC 5793 §4.9).
      return { replies: [this.batch(BatchType.CLOSE, [pbErrorFor(err)])], close: true };
    }
    // A bug before PB-TNC started: PT-TLS has no "local error", Invalid Message is the nearest.
    const err = new WireError('pt-tls', PT_ERROR.INVALID_MESSAGE, 'internal error', 0);
    return { replies: [errorMessageFor(err, offending, this.id())], close: true };
  }

  private async dispatch(msg: PtMessage): Promise<ReceiveResult> {
    if (this.opts.enroll !== undefined && isEnrollmentRequest(msg, this.vendorId) && this.enrollmentOpen()) return this.onEnroll(msg, this.opts.enroll);
    let body: PtBody;
    try {
      body = decodePtBody(msg);
    } catch (e) {
      // RFC 6876 §3.9 lets the receiver report an unknown type and carry on.
      if (e instanceof WireError && e.code === PT_ERROR.TYPE_NOT_SUPPORTED) return { replies: [errorMessageFor(e, encodePtMessage(msg), this.id())], close: false };
      throw e;
    }
    // A peer's PT-TLS Error ends the connection; answering an error with an error could loop.
    if (body.type === PT_TYPE.ERROR) {
      this.phase = 'closed';
      return { replies: [], close: true };
    }
    if (this.opts.enrollmentOnly !== undefined && (body.type === PT_TYPE.SASL_MECHANISM_SELECTION || body.type === PT_TYPE.SASL_AUTHENTICATION_DATA || body.type === PT_TYPE.PB_TNC_BATCH)) {
      const what = body.type === PT_TYPE.PB_TNC_BATCH ? 'PB-TNC batch (assessment)' : 'SASL authentication';
      const reason = `${what} refused: the client presented no verified certificate, so this connection may only enroll`;
      try {
        this.opts.enrollmentOnly.onRefused?.(reason);
      } catch {
        // The log sink's failure does not change the refusal.
      }
      throw new WireError('pt-tls', PT_ERROR.INVALID_MESSAGE, reason, 0);
    }
    switch (this.phase) {
      case 'version':
        if (body.type === PT_TYPE.VERSION_REQUEST) return this.onVersion(body.min, body.max);
        break;
      case 'sasl-selection':
        if (body.type === PT_TYPE.SASL_MECHANISM_SELECTION) {
          if (body.name !== 'PLAIN') throw new WireError('pt-tls', PT_ERROR.SASL_MECHANISM_ERROR, `mechanism ${body.name} was not offered`, 0);
          // PLAIN without an initial response: an empty challenge asks for the credentials.
          if (body.initial === undefined) {
            this.phase = 'sasl-data';
            return { replies: [this.pt({ type: PT_TYPE.SASL_AUTHENTICATION_DATA, data: new Uint8Array(0) })], close: false };
          }
          return this.onPlain(body.initial);
        }
        break;
      case 'sasl-data':
        if (body.type === PT_TYPE.SASL_AUTHENTICATION_DATA) return this.onPlain(body.data);
        break;
      case 'pb':
        if (body.type === PT_TYPE.PB_TNC_BATCH) return this.onBatch(body.batch);
        break;
    }
    throw new WireError('pt-tls', PT_ERROR.INVALID_MESSAGE, `message type ${body.type} not expected in phase ${this.phase}`, 0);
  }

  /**
   * Enrollment replaces authentication and assessment, so it is taken only before either began:
   * while a SASL selection is awaited, or in PB before the first batch.
   */
  private enrollmentOpen(): boolean {
    return this.phase === 'sasl-selection' || (this.phase === 'pb' && this.batches === 0 && this.pb.state === PbState.Init);
  }

  private async onEnroll(msg: PtMessage, enroll: (req: EnrollmentRequest) => Promise<EnrollmentResponse>): Promise<ReceiveResult> {
    // A malformed body throws a PT-TLS Invalid Parameter error: fail() sends it and closes.
    const req = decodeEnrollmentRequest(msg);
    let res: EnrollmentResponse;
    try {
      res = await enroll(req);
    } catch {
      res = { ok: false, code: 'internal', message: 'the server could not complete the enrollment: try again later' };
    }
    // The response schema bounds the message; a longer one would be refused by the agent.
    if (!res.ok && res.message.length > 1024) res = { ...res, message: `${res.message.slice(0, 1021)}...` };
    this.phase = 'closed';
    return { replies: [encodeEnrollmentResponse(this.vendorId, res, this.id())], close: true };
  }

  private onVersion(min: number, max: number): ReceiveResult {
    if (min > PT_VERSION || max < PT_VERSION) throw new WireError('pt-tls', PT_ERROR.VERSION_NOT_SUPPORTED, `versions ${min}..${max} do not include ${PT_VERSION}`, 0);
    // strongSwan waits for a Mechanisms message even when no SASL is wanted: always send one.
    const sasl = this.opts.authenticate !== undefined;
    this.phase = sasl ? 'sasl-selection' : 'pb';
    return {
      replies: [this.pt({ type: PT_TYPE.VERSION_RESPONSE, version: PT_VERSION }), this.pt({ type: PT_TYPE.SASL_MECHANISMS, names: sasl ? ['PLAIN'] : [] })],
      close: false,
    };
  }

  private async onPlain(response: Uint8Array): Promise<ReceiveResult> {
    const { user, password } = saslPlain(response);
    let ok = false;
    try {
      ok = (await this.opts.authenticate?.(user, password)) === true;
    } catch {
      ok = false; // A broken credential store must not let anyone in.
    }
    if (!ok) {
      // strongSwan reads the 16-bit code as 8 bits, so it may take a failure for success:
      // closing is the only reliable way to refuse.
      this.phase = 'closed';
      return { replies: [this.pt({ type: PT_TYPE.SASL_RESULT, code: SASL_RESULT.FAILURE })], close: true };
    }
    this.phase = 'pb';
    // The empty Mechanisms message tells the client no further authentication is needed.
    return { replies: [this.pt({ type: PT_TYPE.SASL_RESULT, code: SASL_RESULT.SUCCESS }), this.pt({ type: PT_TYPE.SASL_MECHANISMS, names: [] })], close: false };
  }

  private async onBatch(bytes: Uint8Array): Promise<ReceiveResult> {
    const batch = decodeBatch(bytes, { maxBatchBytes: this.opts.limits.maxBatchBytes, expectFromServer: false });
    // A CLOSE always ends politely, whatever the count: only work-making batches are refused.
    const maxBatches = this.opts.limits.maxBatches ?? DEFAULT_MAX_BATCHES;
    if (batch.type !== BatchType.CLOSE && ++this.batches > maxBatches) {
      // Local Error is RFC 5793 §4.9.1's code for a refusal that is the server's own limit.
      throw new WireError('pb-tnc', PB_ERROR.LOCAL_ERROR, `more than ${maxBatches} batches on one connection`, 0);
    }
    const before = this.pb.state;
    this.pb.onClientBatch(batch.type);
    if (batch.type === BatchType.CLOSE) {
      this.phase = 'closed';
      return { replies: [this.batch(BatchType.CLOSE, [])], close: true };
    }
    // CRETRY after a decision is a reassessment: fresh facts, fresh round-trip budget.
    if (batch.type === BatchType.CRETRY && before === PbState.Decided) {
      this.collected = {};
      this.roundTrips = 0;
      this.decided = undefined;
    }
    const paErrors: PbMessage[] = [];
    for (const m of batch.messages) {
      const fatal = this.onPbMessage(m, paErrors);
      if (fatal) return fatal;
    }
    // A CRETRY while the client holds the turn changes nothing: nothing to answer yet.
    if (this.pb.state !== PbState.ServerWorking) return { replies: [], close: false };
    return { replies: [await this.assess(paErrors)], close: false };
  }

  /** Handles one PB message; returns a result only when the connection must end. */
  private onPbMessage(m: PbMessage, paErrors: PbMessage[]): ReceiveResult | undefined {
    const x = decodeIetfPbMessage(m);
    if (x === undefined) {
      if (!m.noskip) return undefined; // RFC 5793 §4.2: unknown and skippable, so skipped.
      throw new WireError('pb-tnc', PB_ERROR.UNSUPPORTED_MANDATORY_MESSAGE, `unsupported NOSKIP message ${m.vendor}/${m.type}`, m.offset ?? 0);
    }
    switch (x.kind) {
      case 'language-preference':
        this.lang = languageFromPreference(x.text) ?? this.lang;
        return undefined;
      case 'pa':
        this.onPa(x, paErrors);
        return undefined;
      case 'error':
        if (!x.fatal) return undefined;
        this.phase = 'closed';
        return { replies: [], close: true };
      default:
        // Result-type messages are the server's to send; a client's copy carries no posture.
        return undefined;
    }
  }

  /**
   * Routes a PB-PA to the IMVs subscribed to its component; other components are skipped. A
   * malformed PA message is the collector's problem, not the session's: it gets a PA-TNC Error
   * from that component's validator and the assessment goes on.
   */
  private onPa(pa: PbPa, paErrors: PbMessage[]): void {
    const component: PaComponent = { paVendor: pa.paVendor, paSubtype: pa.paSubtype };
    const imvs = this.imvs.filter((v) => subscribes(v, component));
    if (imvs.length === 0) return;
    this.collectors.set(componentKey(component), pa.collectorId);
    try {
      const msg = decodePaMessage(pa.paMessage);
      // IMVs leave NOSKIP to us (RFC 5792 §4.1): refuse what none of them can understand.
      const unknown = msg.attributes.find((a) => a.noskip && !imvs.some((v) => v.understands(a)));
      if (unknown) throw attributeTypeNotSupported(unknown);
      const at = (this.opts.now?.() ?? new Date()).toISOString();
      // All mapped before any is merged: a message one IMV rejects contributes nothing.
      const mapped = imvs.map((v) => v.map(msg.attributes, at).facts);
      for (const facts of mapped) this.collected = { ...this.collected, ...facts };
    } catch (e) {
      if (!(e instanceof WireError) || e.layer !== 'pa-tnc') throw e;
      paErrors.push(this.paPb([paErrorAttribute(e, pa.paMessage)], component, pa.collectorId));
    }
  }

  /** Ask for what the policy still needs while the budget lasts, else decide with what there is. */
  private async assess(prefix: PbMessage[]): Promise<PtMessage> {
    const needed = typeof this.opts.neededFacts === 'function' ? await this.opts.neededFacts() : this.opts.neededFacts;
    const requests = this.attributeRequests(needed);
    if (requests.length > 0 && this.roundTrips < this.opts.limits.maxRoundTrips) {
      this.roundTrips++;
      const pas = requests.map((r) => this.paPb([encodeIetfAttribute({ type: 'attribute-request', attributes: r.attributes })], r.component, r.collectorId));
      return this.serverBatch(BatchType.SDATA, [...prefix, ...pas]);
    }
    const d = await this.opts.decide(this.collected);
    this.decided = d;
    const pa = this.paPb(resultAttributes(d, this.lang), OS_COMPONENT, this.collectors.get(componentKey(OS_COMPONENT)) ?? ANY_COLLECTOR);
    // Only a Kenneki agent (it spoke for the Kenneki component) gets its host-firewall rules: a
    // standard client never sees a vendor attribute it could not use.
    const agent = this.collectors.get(componentKey(this.kenneki));
    const rules = agent === undefined ? [] : [this.paPb([quarantineRulesAttribute(d, this.kenneki.paVendor)], this.kenneki, agent)];
    return this.serverBatch(BatchType.RESULT, [...prefix, pa, ...rules, ...resultPbMessages(d, this.lang)]);
  }

  /**
   * One Attribute Request per component, to the collector of each IMV that can supply a missing
   * fact; an IMV whose components the client never spoke for has no one to ask.
   */
  private attributeRequests(needed: ReadonlySet<FactKey>): { component: PaComponent; collectorId: number; attributes: AttributeId[] }[] {
    const byComponent = new Map<string, { component: PaComponent; collectorId: number; attributes: AttributeId[] }>();
    for (const imv of this.imvs) {
      const component = imv.subscriptions.find((c) => this.collectors.has(componentKey(c)));
      if (component === undefined) continue;
      const wanted = imv.requests(needed, this.collected);
      if (wanted.length === 0) continue;
      const key = componentKey(component);
      const entry = byComponent.get(key) ?? { component, collectorId: this.collectors.get(key)!, attributes: [] };
      for (const a of wanted) if (!entry.attributes.some((x) => x.vendor === a.vendor && x.type === a.type)) entry.attributes.push(a);
      byComponent.set(key, entry);
    }
    return [...byComponent.values()];
  }

  /** A PB-PA from our validator for `component`: EXCL when addressed to a known collector, NOSKIP always. */
  private paPb(attributes: PaAttribute[], component: PaComponent, collectorId: number): PbMessage {
    const paMessage = encodePaMessage({ version: 1, id: this.nextPaId++ >>> 0, attributes });
    return encodeIetfPbMessage(
      { kind: 'pa', exclusive: collectorId !== ANY_COLLECTOR, ...component, collectorId, validatorId: KENNEKI_VALIDATOR_ID, paMessage },
      true,
    );
  }

  private serverBatch(type: BatchTypeValue, messages: PbMessage[]): PtMessage {
    this.pb.onServerBatch(type);
    return this.batch(type, messages);
  }

  private batch(type: BatchTypeValue, messages: PbMessage[]): PtMessage {
    return this.pt({ type: PT_TYPE.PB_TNC_BATCH, batch: encodeBatch({ fromServer: true, type, messages }) });
  }

  private pt(body: PtBody): PtMessage {
    return ptMessage(body, this.id());
  }

  private id(): number {
    const id = this.nextPtId;
    this.nextPtId = (this.nextPtId + 1) >>> 0;
    return id;
  }
}

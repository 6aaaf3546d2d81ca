/**
 * The agent's side of a TNC exchange (the TNCC): PT-TLS version and SASL, then PB-TNC batches —
 * our first CDATA with the unprompted facts, answers to the server's Attribute Requests, until the
 * RESULT. It speaks the same bytes as the server's codecs (policy/tnc), nothing private.
 *
 * Facts are collected on demand through `facts(keys)`: the server asks only for what some policy
 * needs, so that is all the agent collects and sends (seed 000).
 */
import type { FactKey, PostureFacts } from '../../policy/posture/facts.js';
import { IETF_ATTR, KENNEKI_PA_SUBTYPE, PA_SUBTYPE, VENDOR } from '../../policy/tnc/pa/constants.js';
import { decodeIetfAttribute, type AttributeId } from '../../policy/tnc/pa/ietf-attributes.js';
import { decodePaMessage, encodePaMessage, type PaAttribute } from '../../policy/tnc/pa/message.js';
import { BatchType, decodeBatch, encodeBatch, type BatchTypeValue, type PbMessage } from '../../policy/tnc/pb/batch.js';
import { decodeIetfPbMessage, encodeIetfPbMessage, type IetfPbMessage } from '../../policy/tnc/pb/messages.js';
import { SASL_RESULT, decodePtBody, ptMessage, type PtBody } from '../../policy/tnc/pt/bodies.js';
import { PT_TYPE, type PtMessage } from '../../policy/tnc/pt/message.js';
import type { AgentLanguage, AssessmentOutcome } from '../outcome.js';
import { UNPROMPTED, attributesFor, factsRequested, type ComponentAttributes } from '../report/attributes.js';
import { outcomeOfResult } from './result.js';
import { AgentConnectError, type PtTlsTransport } from './transport.js';

/** strongSwan's OS IMC is collector 1; our posture component speaks as 2 (as the server's test client). */
export const OS_COLLECTOR_ID = 1;
export const KENNEKI_COLLECTOR_ID = 2;
const ANY_VALIDATOR = 0xffff;
/** A server that keeps asking must not keep us forever: it is bounded on its side too. */
const MAX_ROUNDS = 16;

export interface TnccOptions {
  vendorId: number;
  language: AgentLanguage;
  /** SASL PLAIN credentials, used when the server offers PLAIN (the device credential). */
  credential?: { user: string; password: string };
  /** Collects (or returns cached) facts for these keys. */
  facts: (keys: readonly FactKey[]) => Promise<PostureFacts>;
  /** Per server answer. */
  timeoutMs: number;
  /** Told each set of facts the server asked for, so `show-report` can show them next time. */
  onRequested?: (keys: FactKey[]) => void;
  now?: () => Date;
}

const protocol = (msg: string): AgentConnectError => new AgentConnectError(msg, 'protocol');

/** Next message as a typed body; a PT-TLS Error from the server becomes a readable failure. */
async function nextBody(t: PtTlsTransport, timeoutMs: number): Promise<PtBody> {
  const m: PtMessage = await t.next(timeoutMs);
  const body = decodePtBody(m);
  if (body.type === PT_TYPE.ERROR) throw protocol(`the server refused the exchange (PT-TLS error ${body.code})`);
  return body;
}

/** Version exchange and, when offered, SASL PLAIN. Throws with a clear message on refusal. */
export async function openSession(t: PtTlsTransport, opts: TnccOptions): Promise<void> {
  t.send([ptMessage({ type: PT_TYPE.VERSION_REQUEST, min: 1, max: 1, pref: 1 }, t.newId())]);
  const v = await nextBody(t, opts.timeoutMs);
  if (v.type !== PT_TYPE.VERSION_RESPONSE || v.version !== 1) throw protocol('the server does not speak PT-TLS version 1');
  const mechs = await nextBody(t, opts.timeoutMs);
  if (mechs.type !== PT_TYPE.SASL_MECHANISMS) throw protocol(`expected SASL Mechanisms, got PT-TLS type ${mechs.type}`);
  if (mechs.names.length === 0) return;
  if (!mechs.names.includes('PLAIN')) throw protocol(`the server wants SASL ${mechs.names.join(', ')}; the agent speaks only PLAIN`);
  if (opts.credential === undefined) throw new AgentConnectError('the server asks for a password and this device has no credential: enroll it first (kenneki-agent enroll)', 'untrusted');
  const initial = Buffer.from(`\0${opts.credential.user}\0${opts.credential.password}`, 'utf8');
  t.send([ptMessage({ type: PT_TYPE.SASL_MECHANISM_SELECTION, name: 'PLAIN', initial }, t.newId())]);
  let r: PtBody;
  try {
    r = await nextBody(t, opts.timeoutMs);
  } catch (e) {
    if (e instanceof AgentConnectError && e.kind === 'closed') throw new AgentConnectError('the server refused the device credential: re-enroll the device or ask your administrator', 'untrusted');
    throw e;
  }
  if (r.type !== PT_TYPE.SASL_RESULT || r.code !== SASL_RESULT.SUCCESS) throw new AgentConnectError('the server refused the device credential: re-enroll the device or ask your administrator', 'untrusted');
  const after = await nextBody(t, opts.timeoutMs);
  if (after.type !== PT_TYPE.SASL_MECHANISMS || after.names.length !== 0) throw protocol('the server wants more authentication than the agent can give');
}

function paPb(attributes: PaAttribute[], component: 'os' | 'kenneki', vendorId: number, validatorId: number, paId: number): PbMessage {
  const paMessage = encodePaMessage({ version: 1, id: paId, attributes });
  const [paVendor, paSubtype, collectorId] = component === 'os' ? [VENDOR.IETF, PA_SUBTYPE.OPERATING_SYSTEM, OS_COLLECTOR_ID] : [vendorId, KENNEKI_PA_SUBTYPE.POSTURE, KENNEKI_COLLECTOR_ID];
  return encodeIetfPbMessage({ kind: 'pa', exclusive: false, paVendor, paSubtype, collectorId, validatorId, paMessage }, true);
}

function batch(t: PtTlsTransport, type: BatchTypeValue, messages: PbMessage[]): PtMessage {
  return ptMessage({ type: PT_TYPE.PB_TNC_BATCH, batch: encodeBatch({ fromServer: false, type, messages }) }, t.newId());
}

/** What the server asked each of our collectors for, from an SDATA batch. */
function requestsOf(messages: readonly { decoded: IetfPbMessage | undefined }[], vendorId: number): { attributes: AttributeId[]; validatorId: number } {
  const attributes: AttributeId[] = [];
  let validatorId = ANY_VALIDATOR;
  for (const { decoded: m } of messages) {
    if (m?.kind !== 'pa') continue;
    const ours = (m.paVendor === VENDOR.IETF && m.paSubtype === PA_SUBTYPE.OPERATING_SYSTEM) || (m.paVendor === vendorId && m.paSubtype === KENNEKI_PA_SUBTYPE.POSTURE);
    if (!ours) continue;
    validatorId = m.validatorId;
    for (const a of decodePaMessage(m.paMessage).attributes) {
      if (a.vendor !== VENDOR.IETF || a.type !== IETF_ATTR.ATTRIBUTE_REQUEST) continue;
      const d = decodeIetfAttribute(a);
      if (d?.type === 'attribute-request') attributes.push(...d.attributes);
    }
  }
  return { attributes, validatorId };
}

function pbMessagesFor(attrs: ComponentAttributes, vendorId: number, validatorId: number, paId: () => number): PbMessage[] {
  const out: PbMessage[] = [];
  if (attrs.os.length > 0) out.push(paPb(attrs.os, 'os', vendorId, validatorId, paId()));
  if (attrs.kenneki.length > 0) out.push(paPb(attrs.kenneki, 'kenneki', vendorId, validatorId, paId()));
  return out;
}

export class Tncc {
  private paId = 0;

  constructor(private readonly t: PtTlsTransport, private readonly opts: TnccOptions) {}

  private nextPaId = (): number => this.paId++ >>> 0;

  /** The first assessment on this connection: CDATA with the unprompted facts, then until RESULT. */
  async assess(): Promise<AssessmentOutcome> {
    const { vendorId, language } = this.opts;
    const facts = await this.opts.facts(UNPROMPTED);
    const attrs = attributesFor(facts, UNPROMPTED, vendorId);
    const lang = encodeIetfPbMessage({ kind: 'language-preference', text: `Accept-Language: ${language}` });
    this.t.send([batch(this.t, BatchType.CDATA, [lang, ...pbMessagesFor(attrs, vendorId, ANY_VALIDATOR, this.nextPaId)])]);
    return this.untilResult();
  }

  /**
   * Waits for the server to start a reassessment (SRETRY), answers it, and returns the new
   * outcome. Rejects when the connection closes or nothing comes within `waitMs`.
   */
  async awaitServerRetry(waitMs: number): Promise<AssessmentOutcome> {
    return this.untilResult(waitMs);
  }

  /** Ends the PB-TNC session politely (CLOSE) and the connection. */
  async close(): Promise<void> {
    try {
      this.t.send([batch(this.t, BatchType.CLOSE, [])]);
      await this.t.next(2000).catch(() => undefined);
    } finally {
      this.t.close();
    }
  }

  private async untilResult(firstWaitMs?: number): Promise<AssessmentOutcome> {
    const { vendorId } = this.opts;
    for (let round = 0, wait = firstWaitMs ?? this.opts.timeoutMs; round < MAX_ROUNDS; wait = this.opts.timeoutMs) {
      const body = await nextBody(this.t, wait);
      if (body.type !== PT_TYPE.PB_TNC_BATCH) throw protocol(`expected a PB-TNC batch, got PT-TLS type ${body.type}`);
      const b = decodeBatch(body.batch, { maxBatchBytes: 1 << 24, expectFromServer: true });
      const messages = b.messages.map((m) => ({ noskip: m.noskip, type: m.type, vendor: m.vendor, decoded: decodeIetfPbMessage(m) }));
      const mandatoryUnknown = messages.find((m) => m.decoded === undefined && m.noskip);
      if (mandatoryUnknown !== undefined) throw protocol(`the server sent a mandatory PB-TNC message the agent does not know (${mandatoryUnknown.vendor}/${mandatoryUnknown.type})`);
      const error = messages.find((m) => m.decoded?.kind === 'error');
      if (b.type === BatchType.CLOSE) {
        const code = error?.decoded?.kind === 'error' ? ` (PB-TNC error ${error.decoded.code})` : '';
        throw protocol(`the server ended the assessment${code}`);
      }
      if (b.type === BatchType.SRETRY) continue; // the server keeps the turn: its SDATA follows
      if (b.type === BatchType.RESULT) {
        return outcomeOfResult(messages.map((m) => m.decoded), { kennekiVendor: vendorId, language: this.opts.language, server: this.t.server, now: this.opts.now?.() ?? new Date() });
      }
      if (b.type !== BatchType.SDATA) throw protocol(`unexpected PB-TNC batch type ${b.type} from the server`);
      round++;
      const { attributes, validatorId } = requestsOf(messages, vendorId);
      const keys = factsRequested(attributes, vendorId);
      if (keys.length > 0) this.opts.onRequested?.(keys);
      const facts = await this.opts.facts(keys);
      // An SDATA with nothing for us still needs a CDATA: it hands the turn back.
      this.t.send([batch(this.t, BatchType.CDATA, pbMessagesFor(attributesFor(facts, keys, vendorId), vendorId, validatorId, this.nextPaId))]);
    }
    throw protocol(`the server asked for attributes more than ${MAX_ROUNDS} times`);
  }
}

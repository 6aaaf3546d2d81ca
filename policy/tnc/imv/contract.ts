/**
 * The IMV contract: what the TNCS broker (broker/session.ts) needs from a posture validator, and
 * nothing more. A verifier names the PA components it listens to, the attributes it understands,
 * how it maps them into the posture model, and what it would ask its collector for. Judging the
 * facts is not its job: the PDP's checks do that, whichever transport the facts came by.
 */
import type { FactKey, PostureFacts } from '../../posture/facts.js';
import type { AttributeId } from '../pa/ietf-attributes.js';
import type { PaAttribute } from '../pa/message.js';
import type { IgnoredAttribute } from './os-attributes.js';

/** A PA message type, as a PB-PA header names it (RFC 5793 §4.5): vendor and component subtype. */
export interface PaComponent {
  readonly paVendor: number;
  readonly paSubtype: number;
}

export interface ImvMapped {
  facts: PostureFacts;
  /** Well-formed attributes that carry no fact, with why: for the trace, never an error. */
  ignored: IgnoredAttribute[];
}

export interface Imv {
  /** For logs and traces: "os", "kenneki". */
  readonly name: string;
  /**
   * PA message types routed to this IMV. Attribute Requests go to the collector of the first of
   * these the client has spoken for.
   */
  readonly subscriptions: readonly PaComponent[];
  /**
   * Attributes it interprets. An unknown attribute flagged NOSKIP, understood by no IMV
   * subscribed to its message, earns Attribute Type Not Supported (RFC 5792 §4.1).
   */
  understands(attr: AttributeId): boolean;
  /**
   * Attributes → facts. A malformed value throws the codec's `pa-tnc` WireError: the session
   * answers it with a PA-TNC Error attribute and the assessment goes on without that message.
   */
  map(attributes: readonly PaAttribute[], collectedAt: string): ImvMapped;
  /** Attributes to request for needed facts not yet received `ok`; [] when there is nothing to ask. */
  requests(needed: ReadonlySet<FactKey>, received: PostureFacts): AttributeId[];
}

/** Map key for a component: collector ids are remembered per component. */
export const componentKey = (c: PaComponent): string => `${c.paVendor}/${c.paSubtype}`;

export const subscribes = (imv: Imv, c: PaComponent): boolean =>
  imv.subscriptions.some((s) => s.paVendor === c.paVendor && s.paSubtype === c.paSubtype);

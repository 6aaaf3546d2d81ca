/**
 * The Kenneki IMV: the posture component of Kenneki's own agent, whose vendor attributes carry
 * the facts IETF has no attribute for (antivirus, host firewall, disk encryption, pending updates,
 * secure boot, agent version). Facts are stamped `kenneki-agent`; the agent's OS basics arrive in
 * its Operating System component, through the OS IMV, like a standard client's.
 */
import type { Fact, FactKey, FactSource, PostureFacts } from '../../posture/facts.js';
import { KENNEKI_ATTR, KENNEKI_PA_SUBTYPE, KENNEKI_VENDOR_ID } from '../pa/constants.js';
import type { AttributeId } from '../pa/ietf-attributes.js';
import { KENNEKI_FACT_TYPES, decodeFactUnavailable, decodeKennekiFact, kennekiFactOfType, type KennekiFactKey } from '../pa/kenneki-attributes.js';
import type { Imv, ImvMapped, PaComponent } from './contract.js';

export const SOURCE: FactSource = 'kenneki-agent';

export const kennekiComponent = (vendorId: number): PaComponent => ({ paVendor: vendorId, paSubtype: KENNEKI_PA_SUBTYPE.POSTURE });

/** `vendorId`: pt_tls.vendor_id, which the agent must use too. */
export function kennekiImv(vendorId: number = KENNEKI_VENDOR_ID): Imv {
  return {
    name: 'kenneki',
    subscriptions: [kennekiComponent(vendorId)],
    understands: (a) => a.vendor === vendorId && (kennekiFactOfType(a.type) !== undefined || a.type === KENNEKI_ATTR.FACT_UNAVAILABLE),
    map(attributes, collectedAt): ImvMapped {
      const facts: PostureFacts = {};
      const ignored: ImvMapped['ignored'] = [];
      const unavailable: { key: FactKey; reason: string }[] = [];
      for (const a of attributes) {
        const u = decodeFactUnavailable(a, vendorId);
        if (u !== undefined) {
          unavailable.push({ key: u.fact, reason: u.reason });
          continue;
        }
        // Throws WireError for a malformed value; undefined for anything that is not ours.
        const f = decodeKennekiFact(a, vendorId);
        if (f === undefined) {
          ignored.push({ vendor: a.vendor, type: a.type, reason: `vendor ${a.vendor} attribute type ${a.type} is not a Kenneki posture attribute` });
          continue;
        }
        // As in the OS IMV, the first copy wins: a later one cannot quietly overwrite it.
        if (facts[f.key] !== undefined) {
          ignored.push({ vendor: a.vendor, type: a.type, reason: `duplicate ${f.key}; the first one is used` });
          continue;
        }
        const fact: Fact<unknown> = { status: 'ok', value: f.value, collectedAt, source: SOURCE };
        (facts as Record<FactKey, Fact<unknown>>)[f.key] = fact;
      }
      // A value sent alongside beats a failure notice for the same fact.
      for (const u of unavailable) {
        if (facts[u.key] !== undefined) continue;
        (facts as Record<FactKey, Fact<unknown>>)[u.key] = { status: 'unknown', reason: `the agent could not collect it: ${u.reason}`, collectedAt, source: SOURCE };
      }
      return { facts, ignored };
    },
    requests(needed, received): AttributeId[] {
      return (Object.entries(KENNEKI_FACT_TYPES) as [KennekiFactKey, number][])
        .filter(([key]) => needed.has(key) && received[key]?.status !== 'ok')
        .map(([, type]) => ({ vendor: vendorId, type }));
    },
  };
}

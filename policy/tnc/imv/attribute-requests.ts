/**
 * Which attributes to ask a standard NEA client for (RFC 5792 Attribute Request), given the facts
 * the policy's checks read and the facts already received. A client sends its OS basics
 * unprompted but the Installed Packages inventory (tens of KB) only on request, so the IMV asks
 * for it only when a check needs it. Fact → attributes is data: adding an attribute is one row.
 */
import type { FactKey, PostureFacts } from '../../posture/facts.js';
import { IETF_ATTR, ITA_HSR_DEVICE_ID_TYPE, VENDOR } from '../pa/constants.js';
import type { AttributeId } from '../pa/ietf-attributes.js';

/**
 * Facts a standard client can supply, and the attributes that carry them (those os-attributes.ts
 * maps). Facts with no standard attribute (antivirus, firewall, …) have no row: asking would only
 * earn Attribute Type Not Supported. Numeric Version is not asked for: it is the fallback when a
 * client has no String Version, and asking for String Version gets whichever the client has.
 */
export const FACT_ATTRIBUTES: Partial<Record<FactKey, readonly AttributeId[]>> = {
  os: [
    { vendor: VENDOR.IETF, type: IETF_ATTR.PRODUCT_INFORMATION },
    { vendor: VENDOR.IETF, type: IETF_ATTR.STRING_VERSION },
  ],
  packages: [{ vendor: VENDOR.IETF, type: IETF_ATTR.INSTALLED_PACKAGES }],
  ipForwarding: [{ vendor: VENDOR.IETF, type: IETF_ATTR.FORWARDING_ENABLED }],
  factoryDefaultPassword: [{ vendor: VENDOR.IETF, type: IETF_ATTR.FACTORY_DEFAULT_PASSWORD_ENABLED }],
  deviceId: [{ vendor: VENDOR.ITA_HSR, type: ITA_HSR_DEVICE_ID_TYPE }],
};

/**
 * A needed fact counts as received only when it is `ok`: an unknown or incomplete fact (e.g.
 * Product Information without a version) is asked for once more. The caller bounds the rounds
 * (one Attribute Request per assessment), so a client that keeps answering "unknown" cannot
 * loop the exchange.
 *
 * The result is in table order, without duplicates, so the request is deterministic.
 */
export function attributesToRequest(neededFacts: ReadonlySet<FactKey>, received: PostureFacts): AttributeId[] {
  const out: AttributeId[] = [];
  const seen = new Set<string>();
  for (const [fact, attributes] of Object.entries(FACT_ATTRIBUTES) as [FactKey, readonly AttributeId[]][]) {
    if (!neededFacts.has(fact) || received[fact]?.status === 'ok') continue;
    for (const a of attributes) {
      const key = `${a.vendor}/${a.type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ vendor: a.vendor, type: a.type });
    }
  }
  return out;
}

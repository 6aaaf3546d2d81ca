/**
 * The Operating System IMV: the IETF attributes a standard NEA client (strongSwan's OS IMC) sends
 * for component type Operating System, mapped by os-attributes.ts and asked for by
 * attribute-requests.ts. This file only declares what it listens to and understands.
 */
import { IETF_ATTR, ITA_HSR_DEVICE_ID_TYPE, PA_SUBTYPE, VENDOR } from '../pa/constants.js';
import type { AttributeId } from '../pa/ietf-attributes.js';
import { attributesToRequest } from './attribute-requests.js';
import type { Imv, PaComponent } from './contract.js';
import { mapOsAttributes } from './os-attributes.js';

export const OS_COMPONENT: PaComponent = { paVendor: VENDOR.IETF, paSubtype: PA_SUBTYPE.OPERATING_SYSTEM };

/** Every IETF type the codec decodes (Testing excluded), and strongSwan's Device ID. */
const IETF_TYPES: ReadonlySet<number> = new Set(Object.values(IETF_ATTR).filter((t) => t !== IETF_ATTR.TESTING));

export function osUnderstands(a: AttributeId): boolean {
  if (a.vendor === VENDOR.IETF) return IETF_TYPES.has(a.type);
  return a.vendor === VENDOR.ITA_HSR && a.type === ITA_HSR_DEVICE_ID_TYPE;
}

export const osImv: Imv = {
  name: 'os',
  subscriptions: [OS_COMPONENT],
  understands: osUnderstands,
  map: (attributes, collectedAt) => mapOsAttributes([...attributes], collectedAt),
  requests: attributesToRequest,
};

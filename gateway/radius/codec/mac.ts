/**
 * MAC addresses as NASes write them. MAB puts the MAC in User-Name, User-Password and
 * Calling-Station-Id, and every vendor spells it differently; Kenneki keys endpoints by one
 * canonical form (lowercase, colon-separated) and formats back per NAS profile. Formats are data.
 */

export interface MacFormat {
  /** '' for none. */
  separator: '' | ':' | '-' | '.';
  /** Hex digits per group: 2 (aa:bb:…), 4 (aabb.ccdd.eeff), 12 (aabbccddeeff). */
  group: 2 | 4 | 12;
  case: 'lower' | 'upper';
}

/** The spellings seen in the field, by the name a NAS profile uses. */
export const MAC_FORMATS = {
  /** Kenneki's canonical form; also Aruba, Juniper, FreeRADIUS's rewrite_calling_station_id. */
  'colon-lower': { separator: ':', group: 2, case: 'lower' },
  'colon-upper': { separator: ':', group: 2, case: 'upper' },
  /** IETF RFC 3580 §3.21 Calling-Station-Id; Cisco, HPE/Aruba-CX, Windows NPS. */
  'hyphen-upper': { separator: '-', group: 2, case: 'upper' },
  'hyphen-lower': { separator: '-', group: 2, case: 'lower' },
  /** Cisco IOS `show mac address-table`. */
  'dot-lower': { separator: '.', group: 4, case: 'lower' },
  /** Cisco MAB User-Name/User-Password default; many switches' plain form. */
  'bare-lower': { separator: '', group: 12, case: 'lower' },
  'bare-upper': { separator: '', group: 12, case: 'upper' },
} as const satisfies Record<string, MacFormat>;

export type MacFormatName = keyof typeof MAC_FORMATS;

/** The canonical form, shared with the policy server's store (policy/util/mac.ts). */
export { normalizeMac } from '../../../policy/util/mac.js';
import { normalizeMac } from '../../../policy/util/mac.js';

/** Formats a MAC (any accepted spelling) per `format`; undefined when the input is not a MAC. */
export function formatMac(mac: string, format: MacFormat | MacFormatName): string | undefined {
  const f: MacFormat = typeof format === 'string' ? MAC_FORMATS[format] : format;
  const canonical = normalizeMac(mac);
  if (canonical === undefined) return undefined;
  const hex = canonical.replaceAll(':', '');
  const cased = f.case === 'upper' ? hex.toUpperCase() : hex;
  return cased.match(new RegExp(`.{${f.group}}`, 'g'))!.join(f.separator);
}

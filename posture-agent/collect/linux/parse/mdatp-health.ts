/**
 * `mdatp health` (Microsoft Defender for Endpoint on Linux) → one antivirus product.
 *
 *   healthy                                     : true
 *   real_time_protection_enabled                : true [managed]
 *   passive_mode_enabled                        : false
 *   definitions_updated                         : Nov 20, 2026 at 09:14:02 AM
 *   definitions_updated_minutes_ago             : 187
 *   tamper_protection                           : "block"
 *
 * The signature age comes from `definitions_updated_minutes_ago`, not `definitions_updated`:
 * the latter is in local time with no zone. Enabled means real-time protection on and not in
 * passive mode, where Defender detects but leaves remediation to another product.
 */
import type { AntivirusProduct } from '../../../../policy/posture/facts.js';
import { excerpt, lines, unavailable } from './text.js';

export const DEFENDER_NAME = 'Microsoft Defender for Endpoint';

export function parseMdatpFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of lines(text)) {
    const m = /^([a-z_]+)\s+:\s?(.*)$/.exec(line.trim());
    if (m === null) continue;
    // Values carry a scope suffix ("true [managed]") and strings are quoted.
    const value = (m[2] ?? '').replace(/\s*\[[a-z]+\]$/, '').replace(/^"(.*)"$/, '$1');
    fields.set(m[1] ?? '', value);
  }
  return fields;
}

export function parseMdatpHealth(text: string, now: Date): AntivirusProduct {
  const f = parseMdatpFields(text);
  const bool = (key: string): boolean | undefined => (f.get(key) === 'true' ? true : f.get(key) === 'false' ? false : undefined);
  const healthy = bool('healthy');
  const rtp = bool('real_time_protection_enabled');
  if (healthy === undefined || rtp === undefined) unavailable(`mdatp health has no healthy / real_time_protection_enabled: ${excerpt(text)}`);
  const product: AntivirusProduct = { name: DEFENDER_NAME, running: true, enabled: rtp && bool('passive_mode_enabled') !== true };
  const minutes = Number(f.get('definitions_updated_minutes_ago') ?? 'x');
  if (Number.isInteger(minutes) && minutes >= 0 && minutes <= 100_000 * 1440) {
    product.signatureAgeDays = Math.round((minutes / 1440) * 100) / 100;
    const at = new Date(now.getTime() - minutes * 60_000);
    if (at.getUTCFullYear() >= 1970 && at.getUTCFullYear() <= 9999) product.signaturesUpdatedAt = at.toISOString();
  }
  const tamper = f.get('tamper_protection');
  // "block" enforces; "audit" only logs and "disabled" is off.
  if (tamper !== undefined && ['block', 'audit', 'disabled'].includes(tamper)) product.tamperProtected = tamper === 'block';
  return product;
}

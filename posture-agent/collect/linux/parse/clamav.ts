/**
 * ClamAV's state from what is running and when its signatures were written.
 *
 * ClamAV has no status command: the scanning daemon `clamd` running is the product being in
 * service (it has no separate enable switch, so running and enabled coincide), and `freshclam`
 * keeps the signatures current. The daily database is rewritten on every signature update, as
 * daily.cvd (full download) or daily.cld (incrementally patched): the newer of the two is when
 * the signatures were last updated. ClamAV counts as installed when either daemon runs or a
 * daily database exists; otherwise there is no ClamAV to report.
 */
import type { AntivirusProduct } from '../../../../policy/posture/facts.js';
import { CLAMAV_PROCESSES } from '../commands.js';

export const CLAMAV_NAME = 'ClamAV';

export function clamavProduct(processNames: readonly string[], signatureTimes: readonly (Date | undefined)[]): AntivirusProduct | undefined {
  const running = new Set(processNames.map((n) => n.trim()));
  const scanner = CLAMAV_PROCESSES.scanner.some((p) => running.has(p));
  const updater = CLAMAV_PROCESSES.updater.some((p) => running.has(p));
  const times = signatureTimes.filter((t): t is Date => t !== undefined && Number.isFinite(t.getTime()));
  if (!scanner && !updater && times.length === 0) return undefined;
  const product: AntivirusProduct = { name: CLAMAV_NAME, running: scanner, enabled: scanner };
  const newest = times.reduce<Date | undefined>((a, t) => (a === undefined || t > a ? t : a), undefined);
  // Years outside 0000–9999 have no RFC 3339 form; such an mtime is nonsense anyway.
  if (newest !== undefined && newest.getUTCFullYear() >= 1970 && newest.getUTCFullYear() <= 9999) {
    product.signaturesUpdatedAt = newest.toISOString();
  }
  return product;
}

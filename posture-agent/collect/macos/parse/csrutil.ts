/**
 * `csrutil status` → secure boot on macOS. posture-checks.md maps the secure-boot check to System
 * Integrity Protection: on Apple silicon, turning SIP off needs the boot policy lowered from
 * recoveryOS, and on every Mac SIP off is what lets unsigned kexts and a modified system volume
 * load. The boot policy itself (Full / Reduced / Permissive) is not readable by a user-space tool
 * without root and `bputil`.
 *
 * "unknown (Custom Configuration)" comes from `csrutil enable --without …`: counted as on only when
 * every listed protection is enabled (and "Apple Internal" disabled, as on a stock Mac); Apple
 * itself calls any other mix unsupported.
 */
import { FactUnavailable } from '../../contract.js';

export function parseCsrutilStatus(text: string): boolean {
  const m = /System Integrity Protection status:\s*(enabled|disabled|unknown)/i.exec(text);
  if (m === null) throw new FactUnavailable('csrutil printed no System Integrity Protection status');
  const status = (m[1] as string).toLowerCase();
  const custom = /Custom Configuration/i.test(text);
  if (status === 'disabled') return false;
  if (status === 'enabled' && !custom) return true;
  if (!custom) throw new FactUnavailable('csrutil reports SIP status unknown');

  const items = [...text.matchAll(/^\s+([A-Za-z][A-Za-z -]*?):\s*(enabled|disabled)\s*$/gim)];
  if (items.length === 0) return false;
  return items.every(([, name, value]) => (/^apple internal$/i.test(name as string) ? /disabled/i.test(value as string) : /enabled/i.test(value as string)));
}

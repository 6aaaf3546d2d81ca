/**
 * Secure Boot from `Confirm-SecureBootUEFI` (scripts.ts SECURE_BOOT_SCRIPT, which prints the
 * result or the exception's type as JSON).
 *
 * On legacy BIOS (and Hyper-V generation 1 VMs) the cmdlet fails with PlatformNotSupportedException
 * "Cmdlet not supported on this platform: 0xC0000002". That is reported as false, not unknown:
 * Secure Boot is a UEFI feature, and such a machine boots with no firmware signature check at all,
 * which is exactly what "secure boot off" means to a verifier. Likewise UEFI firmware without a
 * SecureBoot variable ("Variable is currently undefined: 0xC0000100"). Access denied says nothing
 * about the machine, only about the agent's rights: unknown.
 */
import { FactUnavailable } from '../../contract.js';
import { bool, isRecord, parsePsJson, text } from '../ps-json.js';

/** Errors that are answers, as data: matched on the exception type, or the English message. */
export const SECURE_BOOT_ERRORS: readonly { type?: string; message: RegExp; answer: boolean | 'unavailable'; why: string }[] = [
  { type: 'System.PlatformNotSupportedException', message: /not supported on this platform/i, answer: false, why: 'legacy BIOS: no Secure Boot' },
  { message: /variable is currently undefined/i, answer: false, why: 'firmware has no SecureBoot variable' },
  { type: 'System.UnauthorizedAccessException', message: /access was denied/i, answer: 'unavailable', why: 'access denied: the agent must run elevated' },
];

export function parseSecureBoot(stdout: string): boolean {
  const plain = bool(stdout.replace(/^\uFEFF/, '').trim());
  if (plain !== undefined) return plain;
  const j = parsePsJson(stdout, 'Confirm-SecureBootUEFI');
  if (!isRecord(j)) throw new FactUnavailable('Confirm-SecureBootUEFI: no answer printed');
  const on = bool(j.SecureBoot);
  if (on !== undefined) return on;
  const type = text(j.Error, 128);
  const message = text(j.Message, 200) ?? '';
  const known = SECURE_BOOT_ERRORS.find((e) => (e.type !== undefined && e.type === type) || e.message.test(message));
  if (known === undefined) throw new FactUnavailable(`Confirm-SecureBootUEFI: ${type ?? 'error'}: ${message}`);
  if (known.answer === 'unavailable') throw new FactUnavailable(`Confirm-SecureBootUEFI: ${known.why}`);
  return known.answer;
}

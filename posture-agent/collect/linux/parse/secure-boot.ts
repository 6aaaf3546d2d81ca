/**
 * Secure Boot state, from `mokutil --sb-state` or the UEFI variable itself.
 *
 * Legacy BIOS boot ("EFI variables are not supported on this system", or no /sys/firmware/efi)
 * yields false, not unknown: Secure Boot is a UEFI feature, so such a machine certainly boots
 * without it, and the verifier should see it fail rather than be waved through as unknown.
 * Firmware Secure Boot with shim's validation turned off ("SecureBoot validation is disabled in
 * shim", `mokutil --disable-validation`) is false too: the kernel is no longer verified.
 */
import { excerpt, unavailable } from './text.js';

export function parseMokutilSbState(text: string): boolean {
  if (/SecureBoot validation is disabled in shim/i.test(text)) return false;
  if (/^SecureBoot enabled\s*$/m.test(text)) return true;
  if (/^SecureBoot disabled\s*$/m.test(text)) return false;
  if (/EFI variables are not supported on this system|doesn't support Secure Boot/i.test(text)) return false;
  return unavailable(`mokutil --sb-state said ${excerpt(text)}`);
}

/**
 * efivarfs file: 4 bytes of attributes (little-endian), then the 1-byte value, 1 = on. The
 * HostProbe reads files as UTF-8 text; these bytes are all below 0x80 (attributes 0x06 or 0x07,
 * value 0 or 1), and UTF-8 maps those one to one, so the text still holds them exactly. Any
 * other byte would decode to U+FFFD or a multi-byte character, and is refused, never guessed.
 */
export function parseSecureBootVar(text: string): boolean {
  if (text.length !== 5 || [...text].some((c) => c.charCodeAt(0) > 0x7f)) unavailable(`SecureBoot variable is ${text.length} characters, not 5 bytes`);
  const value = text.charCodeAt(4);
  if (value === 1) return true;
  if (value === 0) return false;
  return unavailable(`SecureBoot variable value is ${value}, not 0 or 1`);
}

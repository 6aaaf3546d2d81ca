/**
 * `sysadminctl -guestAccount status` → whether the Guest account is on. It writes a log-style line
 * to stderr ("2024-05-01 10:00:00.123 sysadminctl[512:4096] Guest account enabled."), so the
 * caller passes both streams. The Guest account needs no password, which is the hazard IETF's
 * Factory Default Password Enabled attribute names on a Mac.
 */
import { FactUnavailable } from '../../contract.js';

export function parseGuestAccount(output: string): boolean {
  const m = /Guest account (enabled|disabled)/i.exec(output);
  if (m === null) throw new FactUnavailable('sysadminctl -guestAccount status: no "Guest account enabled/disabled" line');
  return m[1]!.toLowerCase() === 'enabled';
}

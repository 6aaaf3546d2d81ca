/**
 * `Get-LocalUser` (scripts.ts PASSWORDLESS_ACCOUNTS_SCRIPT) → whether an enabled local account may
 * log on without a password. Every Windows has at least the built-in Administrator and Guest, so an
 * empty list means the command did not answer as it should: unknown, not "no".
 */
import { FactUnavailable } from '../../contract.js';
import { bool, parsePsJson, recordsOf } from '../ps-json.js';

export function parseLocalAccounts(stdout: string): boolean {
  const accounts = recordsOf(parsePsJson(stdout, 'Get-LocalUser'), 'Get-LocalUser');
  if (accounts.length === 0) throw new FactUnavailable('Get-LocalUser listed no accounts');
  let passwordless = false;
  for (const a of accounts) {
    const enabled = bool(a['Enabled']);
    const required = bool(a['PasswordRequired']);
    if (enabled === undefined || required === undefined) throw new FactUnavailable('Get-LocalUser: an account without Enabled or PasswordRequired');
    if (enabled && !required) passwordless = true;
  }
  return passwordless;
}

/**
 * /etc/shadow (shadow(5)) → whether some account logs in with no password at all. A laptop OS has
 * no vendor default password; the hazard IETF's Factory Default Password Enabled attribute
 * (RFC 5792 §4.2.12) names — an account anyone can use without knowing a secret — is, here, an
 * empty password field. `!` / `*` (locked, or no password login) and any hash are fine.
 */
import { unavailable } from './text.js';

/** The accounts whose password field is empty; throws when the text is not a shadow file. */
export function passwordlessAccounts(text: string): string[] {
  const out: string[] = [];
  let entries = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    // name:password:lastchange:min:max:warn:inactive:expire:reserved — nine fields.
    if (fields.length !== 9 || fields[0] === '') unavailable('/etc/shadow has a line that is not a shadow entry');
    entries++;
    if (fields[1] === '') out.push(fields[0]!);
  }
  if (entries === 0) unavailable('/etc/shadow lists no accounts');
  return out;
}

/**
 * Windows Firewall profiles (`Get-NetFirewallProfile -PolicyStore ActiveStore`; scripts.ts
 * FIREWALL_SCRIPT). All three profiles must be present: a verifier checking "on for every profile"
 * over a list missing Public would pass a machine whose Public profile nobody looked at.
 */
import { FactUnavailable } from '../../contract.js';
import type { FirewallFact } from '../../../../policy/posture/facts.js';
import { bool, parsePsJson, recordsOf, text } from '../ps-json.js';

export const FIREWALL_PROFILES = ['Domain', 'Private', 'Public'] as const;

export function parseFirewall(stdout: string): FirewallFact {
  const profiles: FirewallFact['profiles'] = [];
  for (const p of recordsOf(parsePsJson(stdout, 'Get-NetFirewallProfile'), 'Get-NetFirewallProfile')) {
    const name = FIREWALL_PROFILES.find((n) => n.toLowerCase() === text(p.Name, 64)?.toLowerCase());
    if (name === undefined || profiles.some((q) => q.name === name)) continue;
    // GpoBoolean: True 1, False 0, NotConfigured 2. NotConfigured should not appear in the active
    // store; if it does, the state in force is not known, and that is not "on".
    const enabled = bool(p.Enabled);
    if (enabled === undefined) throw new FactUnavailable(`Get-NetFirewallProfile: profile ${name} Enabled is ${JSON.stringify(p.Enabled)}`);
    profiles.push({ name, enabled });
  }
  const missing = FIREWALL_PROFILES.filter((n) => !profiles.some((p) => p.name === n));
  if (missing.length > 0) throw new FactUnavailable(`Get-NetFirewallProfile: profile ${missing.join(', ')} not reported`);
  return { profiles };
}

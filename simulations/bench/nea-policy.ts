/**
 * The policy both NEA benches assess against: what strongSwan's OS IMC can report (forwarding,
 * factory-default password, OS version) plus packages, so every assessment takes the SDATA round
 * trip for Installed Packages. The baseline also checks antivirus, firewall and more, which the
 * IETF OS IMC cannot report; this one wins over it by its lower precedence.
 */
import type { PolicyBody } from '../../policy/decide/policy.js';

export const NEA_POLICY: PolicyBody & { name: string; precedence: number; enabled: boolean } = {
  name: 'nea-os-and-packages',
  precedence: 10,
  enabled: true,
  mode: 'enforce',
  match: {},
  checks: [
    { check: 'ip-forwarding', action: 'isolate' },
    { check: 'factory-default-password', action: 'isolate' },
    { check: 'os-version', action: 'isolate', params: { minimum: [{ product: 'debian', version: '12' }], unlisted: 'fail' } },
    { check: 'packages', action: 'isolate' },
  ],
};

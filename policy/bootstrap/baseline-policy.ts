/**
 * The embedded baseline: what a fresh install enforces before anyone writes a policy. It is
 * deliberately moderate — quarantine for what is clearly dangerous (stale or missing posture, old OS,
 * security updates pending past two weeks, no running AV, firewall off, factory password) and
 * warnings for what many fleets cannot fix at once (disk encryption, secure boot, forwarding).
 */
import type { PolicyInput } from '../service/admin-changes.js';

export const BASELINE_POLICY: PolicyInput = {
  name: 'baseline',
  description: 'Embedded default policy for every endpoint. Edit it, or add policies with a lower precedence for specific groups.',
  precedence: 1000,
  enabled: true,
  mode: 'enforce',
  match: {},
  checks: [
    { check: 'posture-staleness', action: 'isolate', params: { maxAgeHours: 24 } },
    {
      check: 'os-version',
      action: 'isolate',
      params: {
        minimum: [
          { product: 'debian', version: '12' },
          { product: 'ubuntu', version: '22.04' },
          { product: 'windows', version: '10.0.19045' },
          { product: 'macos', version: '14.0' },
        ],
        unlisted: 'pass',
      },
    },
    { check: 'pending-updates', action: 'isolate', graceDays: 14 },
    { check: 'antivirus', action: 'isolate', params: { maxSignatureAgeDays: 7 } },
    { check: 'firewall', action: 'isolate' },
    { check: 'factory-default-password', action: 'isolate' },
    { check: 'packages', action: 'warn' },
    { check: 'disk-encryption', action: 'warn' },
    { check: 'secure-boot', action: 'warn' },
    { check: 'ip-forwarding', action: 'warn' },
  ],
};

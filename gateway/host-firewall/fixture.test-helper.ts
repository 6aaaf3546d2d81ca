/** One rule set with a bit of everything, shared by the renderers' exact-text tests. */
import type { HostRuleSet } from './rule-set.js';

export const SAMPLE: HostRuleSet = {
  mode: 'isolate',
  server: [
    { address: '10.0.0.10', port: 271, protocol: 'tcp' },
    { address: '2001:db8::10', port: 271, protocol: 'tcp' },
  ],
  dns: ['10.0.0.53'],
  dhcp: true,
  remediation: [
    { address: '10.1.0.0/24', protocol: 'tcp', ports: [443, 8443] },
    { address: '2001:db8:1::/48', protocol: 'any' },
    { address: '10.2.0.1', protocol: 'any', ports: [80] },
  ],
};

/** Only the fallback: no address known for the server. */
export const FALLBACK: HostRuleSet = {
  mode: 'isolate',
  server: [
    { address: '0.0.0.0/0', port: 271, protocol: 'tcp' },
    { address: '::/0', port: 271, protocol: 'tcp' },
  ],
  dns: ['2001:db8::53'],
  dhcp: true,
  remediation: [{ address: '10.3.0.7', protocol: 'udp' }],
};

/**
 * Posture reports as an agent sends them over the JSON API, for tests and benchmarks: a healthy
 * Debian 12 laptop that the baseline policy allows, with facts to override.
 */

/** One collected fact. */
export const okFact = (value: unknown, at: Date): Record<string, unknown> => ({ status: 'ok', value, collectedAt: at.toISOString(), source: 'kenneki-agent' });

/** A healthy Debian 12 laptop; override facts per case. */
export function healthyReport(at: Date, overrides: Record<string, unknown> = {}): { reportedAt: string; facts: Record<string, unknown> } {
  const t = at.toISOString();
  const ok = (value: unknown) => okFact(value, at);
  return {
    reportedAt: t,
    facts: {
      os: ok({ family: 'linux', product: 'debian', version: '12.7', build: '6.1.0-26-amd64' }),
      pendingUpdates: ok({ updates: [], rebootRequired: false }),
      packages: ok({ manager: 'dpkg', packages: [{ name: 'openssl', version: '3.0.15-1~deb12u1' }] }),
      antivirus: ok({ products: [{ name: 'ClamAV', running: true, enabled: true, signaturesUpdatedAt: t }] }),
      firewall: ok({ profiles: [{ name: 'default', enabled: true }] }),
      diskEncryption: ok({ systemVolumeProtected: true }),
      ipForwarding: ok(false),
      factoryDefaultPassword: ok(false),
      secureBoot: ok(true),
      agent: ok({ name: 'kenneki-agent', version: '0.1.0' }),
      deviceId: ok('0f4c2a9e8b7d4c3a9e8b7d4c3a9e8b7d'),
      ...overrides,
    },
  };
}


/** The host firewall off: the baseline policy isolates. */
export const firewallOffFacts = (at: Date): Record<string, unknown> => ({ firewall: okFact({ profiles: [{ name: 'Public', enabled: false }] }, at) });

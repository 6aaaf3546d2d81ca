/**
 * The whole Linux collector set on the two recorded Debian 12 laptops the end-to-end tests use:
 * every fact collected, schema-valid, and the difference between them exactly the two findings.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CollectedFactKey } from '../contract.js';
import { FixtureHost } from '../fixture-host.js';
import { linuxCollectors } from './index.js';
import { factSchemaErrors } from './testing/fact-schema.js';
import { FIXTURES_DIR } from './testing/fixtures.js';

async function collectAll(profile: string): Promise<Record<string, unknown>> {
  const host = FixtureHost.fromFile(join(FIXTURES_DIR, profile));
  const out: Record<string, unknown> = {};
  for (const [fact, collector] of Object.entries(linuxCollectors)) {
    const value: unknown = await collector.collect(host);
    expect(factSchemaErrors(fact as CollectedFactKey, value), fact).toEqual([]);
    out[fact] = value;
  }
  return out;
}

const SHARED = {
  os: { family: 'linux', product: 'debian', version: '12.8', build: '6.1.0-27-amd64', arch: 'x86_64' },
  antivirus: { products: [{ name: 'ClamAV', running: true, enabled: true, signaturesUpdatedAt: '2026-11-23T04:12:31.000Z' }] },
  ipForwarding: false,
  secureBoot: true,
  deviceId: '5f2c8e1a9b3d4c7e8f0a1b2c3d4e5f60',
};

describe('recorded Debian 12 laptops', () => {
  test('the set covers the ten Linux facts', () => {
    expect(Object.keys(linuxCollectors).sort()).toEqual(
      ['antivirus', 'deviceId', 'diskEncryption', 'factoryDefaultPassword', 'firewall', 'ipForwarding', 'os', 'packages', 'pendingUpdates', 'secureBoot'].sort(),
    );
  });

  test('compliant: ufw on, root on LUKS, nothing pending, ClamAV fresh', async () => {
    const facts = await collectAll('profile-compliant.json');
    expect(facts).toMatchObject({
      ...SHARED,
      firewall: { profiles: [{ name: 'ufw', enabled: true }] },
      factoryDefaultPassword: false,
      pendingUpdates: { updates: [], rebootRequired: false },
      diskEncryption: { systemVolumeProtected: true },
    });
    const packages = facts.packages as { manager: string; packages: unknown[] };
    expect(packages.manager).toBe('dpkg');
    expect(packages.packages).toHaveLength(23);
    expect(packages.packages).toContainEqual({ name: 'openssl', version: '3.0.15-1~deb12u1' });
  });

  test('non-compliant: ufw inactive and the openssl security update pending', async () => {
    const facts = await collectAll('profile-noncompliant.json');
    expect(facts).toMatchObject({
      ...SHARED,
      firewall: { profiles: [{ name: 'ufw', enabled: false }] },
      pendingUpdates: { updates: [{ id: 'openssl', package: 'openssl', version: '3.0.17-1~deb12u2', security: true }], rebootRequired: false },
      diskEncryption: { systemVolumeProtected: true },
    });
  });
});

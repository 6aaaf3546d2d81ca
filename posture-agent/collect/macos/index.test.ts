/**
 * The whole set on two recorded MacBooks: the profiles other tests use to pose as a compliant
 * and a neglected Mac (fixtures/profile-*.json).
 */
import { describe, expect, test } from 'vitest';
import type { FactValues } from '../../../policy/posture/facts.js';
import type { CollectedFactKey, Collector } from '../contract.js';
import { FixtureHost } from '../fixture-host.js';
import * as commands from './commands.js';
import { macosCollectors } from './index.js';
import { schemaErrors } from './testing/fact-schema.js';
import { fixturePath } from './testing/fixtures.js';

type Collected = Partial<{ [K in CollectedFactKey]: FactValues[K] }>;

async function collectAll(profile: string): Promise<Collected> {
  const host = FixtureHost.fromFile(fixturePath(profile));
  const facts: Record<string, unknown> = {};
  for (const [key, collector] of Object.entries(macosCollectors) as [CollectedFactKey, Collector][]) {
    const value = await collector.collect(host);
    expect(schemaErrors(key, value), key).toBeUndefined();
    facts[key] = value;
  }
  return facts as Collected;
}

describe('macosCollectors', () => {
  test('one collector per fact a Mac reports, each under its own key', () => {
    expect(Object.keys(macosCollectors).sort()).toEqual(
      ['antivirus', 'deviceId', 'diskEncryption', 'factoryDefaultPassword', 'firewall', 'ipForwarding', 'os', 'packages', 'pendingUpdates', 'secureBoot'],
    );
    for (const [key, c] of Object.entries(macosCollectors)) expect(c.fact).toBe(key);
  });

  test('every command is an absolute path under a macos.* id with a budget', () => {
    const specs = Object.values(commands).filter((v): v is typeof commands.SW_VERS => typeof v === 'object');
    expect(new Set(specs.map((s) => s.id)).size).toBe(specs.length);
    for (const s of specs) {
      expect(s.id).toMatch(/^macos\.[a-z-]+$/);
      expect(s.file.startsWith('/')).toBe(true);
      expect(s.timeoutMs).toBeGreaterThan(0);
    }
  });

  test('compliant MacBook: macOS 15.1, firewall on, FileVault on, nothing pending', async () => {
    const f = await collectAll('profile-compliant.json');
    expect(f.os).toEqual({ family: 'macos', product: 'macOS', version: '15.1', build: '24B83', arch: 'arm64' });
    expect(f.firewall).toEqual({ profiles: [{ name: 'default', enabled: true }] });
    expect(f.diskEncryption?.systemVolumeProtected).toBe(true);
    expect(f.pendingUpdates).toEqual({ updates: [], rebootRequired: false });
    expect(f.antivirus).toEqual({ products: [{ name: 'XProtect', running: true, enabled: true, signaturesUpdatedAt: '2024-11-14T18:22:05.000Z' }] });
    expect(f.secureBoot).toBe(true);
    expect(f.ipForwarding).toBe(false);
    expect(f.deviceId).toBe('8E4B9C31-2F6A-5D7E-9B0C-1A2B3C4D5E6F');
    expect(f.packages?.packages).toHaveLength(6);
  });

  test('neglected MacBook: firewall off, FileVault off, a restart-required security update pending', async () => {
    const f = await collectAll('profile-noncompliant.json');
    expect(f.os).toEqual({ family: 'macos', product: 'macOS', version: '14.6.1', build: '23G93', arch: 'x86_64' });
    expect(f.firewall).toEqual({ profiles: [{ name: 'default', enabled: false }] });
    expect(f.diskEncryption?.systemVolumeProtected).toBe(false);
    expect(f.pendingUpdates).toEqual({
      updates: [
        { id: 'macOS Sonoma 14.7.1-23H222', package: 'macOS Sonoma 14.7.1', version: '14.7.1', security: true },
        { id: 'Safari18.1.1SonomaAuto-18.1.1', package: 'Safari', version: '18.1.1', security: false },
        { id: 'Command Line Tools for Xcode-16.1', package: 'Command Line Tools for Xcode', version: '16.1', security: false },
      ],
      rebootRequired: true,
    });
    expect(f.antivirus?.products[0]?.signaturesUpdatedAt).toBe('2024-06-04T21:03:12.000Z');
    expect(f.deviceId).toBe('3F9C2D14-7A8B-4C6D-9E0F-112233445566');
  });
});

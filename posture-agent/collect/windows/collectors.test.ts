import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { FACT_KEYS } from '../../../policy/posture/facts.js';
import { FactUnavailable, type CollectedFactKey, type Collector } from '../contract.js';
import { FixtureHost } from '../fixture-host.js';
import { WINDOWS_COMMANDS as C } from './commands.js';
import { diskEncryption } from './disk-encryption.js';
import { schemaErrors } from './fact-schema.test-helper.js';
import { FIXTURES, fixture } from './fixtures.test-helper.js';
import { windowsCollectors } from './index.js';
import { firewall, deviceId, pendingUpdates } from './simple-collectors.js';

const PS_ARGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command'];

async function collectAll(profile: string) {
  const host = FixtureHost.fromFile(join(FIXTURES, profile));
  const facts: Partial<Record<CollectedFactKey, unknown>> = {};
  for (const [key, collector] of Object.entries(windowsCollectors) as [CollectedFactKey, Collector][]) {
    facts[key] = await collector.collect(host);
    expect(schemaErrors(key, facts[key])).toEqual([]);
  }
  return facts;
}

const COMPLIANT = {
  os: { family: 'windows', product: 'Windows 11 Pro', version: '10.0.22631.4317', build: '23H2', arch: 'x86_64' },
  pendingUpdates: { updates: [{ id: 'KB2267602', package: 'Microsoft Defender Antivirus', security: false }], rebootRequired: false },
  antivirus: {
    products: [{ name: 'Microsoft Defender Antivirus', running: true, enabled: true, signaturesUpdatedAt: '2024-11-20T06:52:03.000Z', signatureAgeDays: 0, tamperProtected: true }],
  },
  firewall: { profiles: [{ name: 'Domain', enabled: true }, { name: 'Private', enabled: true }, { name: 'Public', enabled: true }] },
  diskEncryption: { systemVolumeProtected: true, volumes: [{ name: 'C:', encrypted: true, protected: true, system: true }] },
  ipForwarding: false,
  secureBoot: true,
  deviceId: '3f2b9c61-8e4d-4b7a-9c1e-5d2a7f0e6b43',
};

describe('windowsCollectors', () => {
  test('one collector per fact a Windows endpoint reports, each under its own key', () => {
    const expected = FACT_KEYS.filter((k) => k !== 'agent').sort();
    expect(Object.keys(windowsCollectors).sort()).toEqual(expected);
    for (const [key, c] of Object.entries(windowsCollectors)) expect(c.fact).toBe(key);
  });

  test('every command is PowerShell with the same switches, a windows.* id and a budget within its collector', () => {
    for (const cmd of Object.values(C)) {
      expect(cmd.file).toBe('powershell.exe');
      expect(cmd.args.slice(0, 5)).toEqual(PS_ARGS);
      expect(cmd.args).toHaveLength(6);
      expect(cmd.id).toMatch(/^windows\.[a-z-]+$/);
    }
    expect(new Set(Object.values(C).map((c) => c.id)).size).toBe(Object.values(C).length);
    // The Windows Update search goes online: a minute and more.
    expect(C.pendingUpdates.timeoutMs).toBeGreaterThanOrEqual(60_000);
    expect(pendingUpdates.timeoutMs).toBeGreaterThan(C.pendingUpdates.timeoutMs ?? 0);
  });

  test('profile-compliant.json: a Windows 11 laptop', async () => {
    const facts = await collectAll('profile-compliant.json');
    expect(facts).toMatchObject(COMPLIANT);
    expect((facts.packages as { packages: unknown[] }).packages).toHaveLength(13);
  });

  test('profile-noncompliant.json: firewall Public off, a security update pending', async () => {
    const facts = await collectAll('profile-noncompliant.json');
    expect(facts.firewall).toEqual({ profiles: [{ name: 'Domain', enabled: true }, { name: 'Private', enabled: true }, { name: 'Public', enabled: false }] });
    expect((facts.pendingUpdates as { updates: { id: string; security: boolean }[] }).updates.filter((u) => u.security).map((u) => u.id)).toEqual(['KB5046633', 'KB5045934']);
    expect(facts.deviceId).toBe('8d0c5a27-41e6-4f3b-b9a2-6c1d7e0f9a35');
    expect({ ...facts, firewall: undefined, pendingUpdates: undefined, deviceId: undefined, packages: undefined }).toMatchObject({
      ...COMPLIANT,
      firewall: undefined,
      pendingUpdates: undefined,
      deviceId: undefined,
    });
  });
});

describe('disk encryption: Get-BitLockerVolume → manage-bde', () => {
  test('no BitLocker cmdlets: manage-bde says encrypted but suspended, which is not protected', async () => {
    const host = new FixtureHost({
      platform: 'windows',
      commands: {
        [C.bitlockerVolume.id]: { stderr: fixture('bitlocker-volume/not-recognized.stderr.txt'), code: 1 },
        [C.manageBde.id]: { stdout: fixture('manage-bde/suspended.txt') },
      },
    });
    expect(await diskEncryption.collect(host)).toEqual({ systemVolumeProtected: false, volumes: [{ name: 'C:', encrypted: true, protected: false, system: true }] });
    expect(host.ran).toEqual([C.bitlockerVolume.id, C.manageBde.id]);
  });

  test('manage-bde without administrative rights: unknown, with both reasons', async () => {
    const host = new FixtureHost({
      platform: 'windows',
      commands: {
        [C.bitlockerVolume.id]: { stderr: fixture('bitlocker-volume/not-recognized.stderr.txt'), code: 1 },
        [C.manageBde.id]: { stdout: fixture('manage-bde/access-denied.txt'), code: -2147024891 },
      },
    });
    await expect(diskEncryption.collect(host)).rejects.toThrow(
      "Get-BitLockerVolume: powershell.exe exited with 1: Get-BitLockerVolume : The term 'Get-BitLockerVolume' is not recognized",
    );
    await expect(diskEncryption.collect(host)).rejects.toThrow(/manage-bde: powershell.exe exited with -2147024891$/);
  });
});

describe('failures become FactUnavailable', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('a command that is not there', async () => {
    const host = new FixtureHost({ platform: 'windows', commands: {} });
    await expect(deviceId.collect(host)).rejects.toThrow(new FactUnavailable('powershell.exe: not found'));
  });

  test('a command that hangs past its budget', async () => {
    vi.useFakeTimers();
    const host = new FixtureHost({ platform: 'windows', commands: { [C.firewall.id]: { stdout: fixture('firewall/all-on.json'), delayMs: 3_600_000 } } });
    const outcome = expect(firewall.collect(host)).rejects.toThrow(new FactUnavailable(`powershell.exe: timed out after ${C.firewall.timeoutMs} ms`));
    await vi.advanceTimersByTimeAsync(C.firewall.timeoutMs ?? 0);
    await outcome;
  });

  test('a slow command within its budget still answers', async () => {
    vi.useFakeTimers();
    const host = new FixtureHost({ platform: 'windows', commands: { [C.firewall.id]: { stdout: fixture('firewall/public-off.json'), delayMs: 12_000 } } });
    const pending = firewall.collect(host);
    await vi.advanceTimersByTimeAsync(12_000);
    expect((await pending).profiles.map((p) => p.enabled)).toEqual([true, true, false]);
  });
});

/**
 * The collectors for real, on the machine running the tests (Linux only). Expected values come
 * from the machine itself, read independently of the collectors, so the test holds on any
 * distribution; tools that are not installed must give FactUnavailable or a fallback, never a crash.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DEFAULT_COLLECTOR_TIMEOUT_MS, FactUnavailable, type CollectedFactKey, type Collector } from '../contract.js';
import { RealHost } from '../real-host.js';
import { linuxCollectors } from './index.js';
import { parseOsRelease } from './parse/os-release.js';
import { factSchemaErrors } from './testing/fact-schema.js';

const onLinux = process.platform === 'linux';
const host = new RealHost('linux');
const hasDpkg = onLinux && existsSync('/usr/bin/dpkg-query');
const machineId = onLinux && existsSync('/etc/machine-id') ? readFileSync('/etc/machine-id', 'utf8').trim() : '';

/** The collector's result, or the FactUnavailable it threw; fails on anything else or on overrunning its budget. */
async function collectWithinBudget(collector: Collector): Promise<{ value?: unknown; unavailable?: string; ms: number }> {
  const budget = collector.timeoutMs ?? DEFAULT_COLLECTOR_TIMEOUT_MS;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${collector.fact} overran its ${budget} ms budget`)), budget);
  });
  try {
    const value = await Promise.race([collector.collect(host), overrun]);
    return { value, ms: performance.now() - started };
  } catch (e) {
    if (e instanceof FactUnavailable) return { unavailable: e.message, ms: performance.now() - started };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

describe.runIf(onLinux)('Linux collectors on this machine', () => {
  test.each(Object.values(linuxCollectors).map((c) => [c.fact, c] as const))(
    '%s: a schema-valid value or FactUnavailable, within its budget',
    async (fact, collector) => {
      const r = await collectWithinBudget(collector as Collector);
      if (r.unavailable === undefined) expect(factSchemaErrors(fact as CollectedFactKey, r.value)).toEqual([]);
      else expect(r.unavailable.length).toBeGreaterThan(0);
    },
    120_000,
  );

  test('os is what /etc/os-release says', async () => {
    const release = parseOsRelease(readFileSync(existsSync('/etc/os-release') ? '/etc/os-release' : '/usr/lib/os-release', 'utf8'));
    const os = await linuxCollectors.os!.collect(host);
    expect(os.family).toBe('linux');
    expect(os.product).toBe((release.get('ID') ?? 'linux').toLowerCase());
    expect(os.version.startsWith(release.get('VERSION_ID') ?? release.get('BUILD_ID') ?? '')).toBe(true);
    expect(os.build).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    expect(os.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
  });

  test.runIf(hasDpkg)('packages include dpkg, at the version dpkg-query -W dpkg prints', async () => {
    const [name, version] = execFileSync('dpkg-query', ['-W', 'dpkg'], { encoding: 'utf8' }).trim().split('\t');
    const fact = await linuxCollectors.packages!.collect(host);
    expect(fact.manager).toBe('dpkg');
    expect(fact.packages).toContainEqual({ name, version });
  }, 60_000);

  test.runIf(/^[0-9a-f]{32}$/.test(machineId))('deviceId is /etc/machine-id', async () => {
    expect(await linuxCollectors.deviceId!.collect(host)).toBe(machineId);
  });

  test('ipForwarding is what /proc says', async () => {
    const flag = (p: string) => existsSync(p) && readFileSync(p, 'utf8').trim() !== '0';
    const expected = flag('/proc/sys/net/ipv4/ip_forward') || flag('/proc/sys/net/ipv6/conf/all/forwarding');
    expect(await linuxCollectors.ipForwarding!.collect(host)).toBe(expected);
  });

  test.runIf(!existsSync('/sys/firmware/efi'))('without UEFI, secure boot is off (not unknown)', async () => {
    expect(await linuxCollectors.secureBoot!.collect(host)).toBe(false);
  });
});

import { expect, test } from 'vitest';
import { FixtureHost, type HostProfile } from '../collect/fixture-host.js';
import { NetworkWatch, networkSignature } from './network-watch.js';

const ROUTES = 'Iface\tDestination\tGateway\nwlan0\t00000000\t0101A8C0\n';

test('a route change is noticed once it has settled, and only once', async () => {
  const profile: HostProfile = { platform: 'linux', files: { '/proc/net/route': ROUTES } };
  const host = new FixtureHost(profile);
  const changes: string[] = [];
  const watch = new NetworkWatch({ host, pollMs: 20, settleMs: 60, onChange: (sig) => changes.push(sig) });
  await watch.start();
  try {
    const before = await networkSignature(host);
    await new Promise((r) => setTimeout(r, 150));
    expect(changes).toEqual([]);
    // A VPN comes up: a new route, no new address.
    profile.files!['/proc/net/route'] = `${ROUTES}tun0\t0000000A\t00000000\n`;
    const deadline = Date.now() + 2_000;
    while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(changes).toHaveLength(1);
    expect(changes[0]).not.toBe(before);
    await new Promise((r) => setTimeout(r, 200));
    expect(changes).toHaveLength(1);
  } finally {
    watch.stop();
  }
});

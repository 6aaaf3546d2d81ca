/**
 * Notices network changes — an address added or gone, a route changed — so the daemon reassesses
 * when the laptop moves (new Wi-Fi, VPN up, cable plugged). Polling a cheap signature every few
 * seconds works the same on every OS and needs no long-lived child process; on Linux the routing
 * table (/proc/net/route, /proc/net/ipv6_route) is part of the signature, so a VPN that only adds
 * routes counts too. A change fires once the signature has been stable for `settleMs`, so a DHCP
 * renewal that flaps an address does not cause several assessments.
 */
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { HostProbe } from '../collect/contract.js';

export interface NetworkWatchOptions {
  host: HostProbe;
  pollMs?: number;
  settleMs?: number;
  onChange: (signature: string) => void;
}

export async function networkSignature(host: HostProbe): Promise<string> {
  const h = createHash('sha256');
  const ifs = networkInterfaces();
  for (const name of Object.keys(ifs).sort()) {
    for (const a of ifs[name] ?? []) if (!a.internal) h.update(`${name} ${a.family} ${a.address}/${a.netmask}\n`);
  }
  if (host.platform === 'linux') {
    h.update((await host.readFile('/proc/net/route')) ?? '');
    h.update((await host.readFile('/proc/net/ipv6_route')) ?? '');
  }
  return h.digest('base64url');
}

export class NetworkWatch {
  private timer: NodeJS.Timeout | undefined;
  private current: string | undefined;
  private candidate: { sig: string; since: number } | undefined;

  constructor(private readonly opts: NetworkWatchOptions) {}

  async start(): Promise<void> {
    this.current = await networkSignature(this.opts.host);
    const poll = this.opts.pollMs ?? 5_000;
    this.timer = setInterval(() => void this.tick(), poll);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    const sig = await networkSignature(this.opts.host).catch(() => undefined);
    if (sig === undefined) return;
    const now = Date.now();
    if (sig === this.current) {
      this.candidate = undefined;
      return;
    }
    if (this.candidate?.sig !== sig) {
      this.candidate = { sig, since: now };
      if ((this.opts.settleMs ?? 2_000) > 0) return;
    }
    if (now - this.candidate.since >= (this.opts.settleMs ?? 2_000)) {
      this.current = sig;
      this.candidate = undefined;
      this.opts.onChange(sig);
    }
  }
}

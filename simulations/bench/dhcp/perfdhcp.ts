/**
 * perfdhcp (Kea 2.2, Debian package kea-admin) as the relayed DHCPv4 load: it runs in the relay
 * namespace with `-l <giaddr> <server>`, so every DISCOVER and REQUEST is a relayed unicast from
 * port 67 carrying the giaddr, and the replies come back to it. The output parser is a copy of
 * test/helpers/dhcp-peers.ts's (the build does not compile test/), extended with the delays.
 *
 * perfdhcp quirks (see dhcp-peers.ts): `-l LOCALIP` picks the sending interface (netns.ts puts
 * the giaddr on the server-side veth); `-D 2.5%` aborts short runs at random because packets in
 * flight count as drops, so it is not passed and the drop ratios are read from the final
 * figures; its own "Rate:" line averages over the exit wait too, so DORA/s is computed here as
 * ACKs received / the period asked for (`-p`).
 *
 * MACs: with `-b mac=00:0c:01:00:00:00 -R N` perfdhcp adds a random number below N to the
 * template's last octets (no carry), so the clients are exactly `macFor(0) … macFor(N-1)`: the
 * benchmark can register them in Kenneki beforehand.
 */
import type { BenchNetns } from './netns.js';
import { NET, requireBinary } from './netns.js';
import { machineBusySeconds, processTreeCpuSeconds } from '../common.js';

export const MAC_TEMPLATE = '00:0c:01:00:00:00';

/** The i-th of perfdhcp's simulated clients (i < 2^24) for MAC_TEMPLATE. */
export function macFor(i: number): string {
  return ['00', '0c', '01', (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff].map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0'))).join(':');
}

export interface PerfdhcpExchange {
  sent: number;
  received: number;
  drops: number;
  dropsPercent: number;
  orphans: number;
  rejectedLeases: number;
  nonUniqueAddresses: number;
  /** ms; perfdhcp prints min/avg/max and the standard deviation, no percentiles. */
  minDelayMs: number | undefined;
  avgDelayMs: number | undefined;
  maxDelayMs: number | undefined;
  stdDevMs: number | undefined;
}

/** Parses perfdhcp's "Statistics for: X" blocks and its Rate line. */
export function parsePerfdhcpOutput(output: string): { reportedRate: number; exchanges: Record<string, PerfdhcpExchange> } {
  const rate = /^Rate:\s*([\d.]+)/m.exec(output);
  const exchanges: Record<string, PerfdhcpExchange> = {};
  for (const block of output.split(/\*\*\*Statistics for: /).slice(1)) {
    const name = block.slice(0, block.indexOf('***'));
    // "avg delay: min delay: n/a" happens when nothing came back: anchored, a number or nothing.
    const field = (label: string): number | undefined => {
      const m = new RegExp(`^${label}:\\s*([\\d.]+)`, 'm').exec(block);
      return m ? Number(m[1]) : undefined;
    };
    exchanges[name] = {
      sent: field('sent packets') ?? NaN,
      received: field('received packets') ?? NaN,
      drops: field('drops') ?? NaN,
      dropsPercent: field('drops ratio') ?? NaN,
      orphans: field('orphans') ?? NaN,
      rejectedLeases: field('rejected leases') ?? NaN,
      nonUniqueAddresses: field('non unique addresses') ?? NaN,
      minDelayMs: field('min delay'),
      avgDelayMs: field('avg delay'),
      maxDelayMs: field('max delay'),
      stdDevMs: field('std deviation'),
    };
  }
  return { reportedRate: rate ? Number(rate[1]) : NaN, exchanges };
}

export interface StepOptions {
  /** -r: DORA exchanges started per second. */
  rate: number;
  /** -R: distinct simulated clients. */
  clients: number;
  /** -p: seconds. */
  seconds: number;
  /** -W in µs: wait for late answers after the period (default 1 s). */
  exitWaitUs?: number;
  /** The server process whose CPU (with its threads and children) is read around the run. */
  serverPid: number;
}

export interface Step {
  rate: number;
  seconds: number;
  exitCode: number | null;
  argv: string[];
  output: string;
  reportedRate: number;
  discoverOffer: PerfdhcpExchange;
  requestAck: PerfdhcpExchange;
  /** ACKs received. */
  dora: number;
  /** ACKs / seconds. */
  doraPerSecond: number;
  /** DISCOVERs sent / seconds: below the asked rate, perfdhcp itself could not keep up. */
  discoverSentPerSecond: number;
  /** The worse of the two legs' drop ratios (perfdhcp's own figure, the one -D would compare). */
  dropsPercent: number;
  /** utime + stime of the server (all threads, children) from spawn of perfdhcp to its exit. */
  serverCpuS: number;
  wallS: number;
  /** Busy CPU seconds of the whole machine (both cores) over the step. */
  machineBusyS: number;
}

/** One perfdhcp run at a fixed rate against the server in the server namespace. */
export async function perfdhcpStep(netns: BenchNetns, o: StepOptions): Promise<Step> {
  const perfdhcp = requireBinary('perfdhcp');
  const args = ['-4', '-r', String(o.rate), '-R', String(o.clients), '-p', String(o.seconds), '-W', String(o.exitWaitUs ?? 1_000_000), '-b', `mac=${MAC_TEMPLATE}`, '-l', NET.giaddr, NET.server];
  const argv = [perfdhcp, ...args];
  const cpu0 = processTreeCpuSeconds(o.serverPid);
  const busy0 = machineBusySeconds();
  const t0 = process.hrtime.bigint();
  const proc = netns.spawn('relay', 'perfdhcp', argv);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), (o.seconds + 30) * 1000);
  const exitCode = await proc.exited;
  clearTimeout(timer);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const serverCpuS = processTreeCpuSeconds(o.serverPid) - cpu0;
  const machineBusyS = machineBusySeconds() - busy0;
  // 'exit' can come before the last of the pipe: wait for its end.
  await new Promise<void>((r) => (proc.child.stdout!.readableEnded ? r() : proc.child.stdout!.once('end', () => r())));
  await proc.stop();
  const output = proc.output();
  const parsed = parsePerfdhcpOutput(output);
  const discoverOffer = parsed.exchanges['DISCOVER-OFFER'];
  const requestAck = parsed.exchanges['REQUEST-ACK'];
  if (discoverOffer === undefined || requestAck === undefined) throw new Error(`perfdhcp printed no statistics (exit ${String(exitCode)}):\n${output.slice(-3000)}`);
  // No REQUEST sent at all (nothing offered) leaves REQUEST-ACK's ratio as "-nan": count it as all lost.
  const ackDrops = requestAck.sent > 0 ? requestAck.dropsPercent : discoverOffer.sent > 0 ? 100 : 0;
  return {
    rate: o.rate,
    seconds: o.seconds,
    exitCode,
    argv,
    output,
    reportedRate: parsed.reportedRate,
    discoverOffer,
    requestAck,
    dora: requestAck.received,
    doraPerSecond: requestAck.received / o.seconds,
    discoverSentPerSecond: discoverOffer.sent / o.seconds,
    dropsPercent: Math.max(discoverOffer.dropsPercent, ackDrops),
    serverCpuS,
    wallS,
    machineBusyS,
  };
}

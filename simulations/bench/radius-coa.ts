/**
 * `npm run bench -- radius-coa`: how long from a verdict change to the NAS's CoA-ACK /
 * Disconnect-ACK. FreeRADIUS plays the NAS (its CoA listener ACKs, with Message-Authenticator
 * required), Kenneki runs in this process with its RADIUS adapter.
 *
 * Each endpoint is admitted by MAB (so it has a live session), then its posture flips it between
 * allow and isolate. The latency is from the verdict-bus publish (the moment the PDP decided) to
 * the adapter's log line for the ACK, both stamped with this process's monotonic clock.
 *
 * Two loads: steady (one change at a time, paced) and a burst (a policy change re-evaluates every
 * endpoint at once, so every CoA is in flight together).
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { startEnforcement } from '../../gateway/start.js';
import { textAttribute } from '../../gateway/radius/codec/attributes.js';
import { encodeRequest } from '../../gateway/radius/codec/authenticator.js';
import { attr } from '../../gateway/radius/codec/dictionary.js';
import { hideUserPassword } from '../../gateway/radius/codec/hiding.js';
import { RADIUS_CODE, decodePacket } from '../../gateway/radius/codec/packet.js';
import { loadConfig } from '../../policy/config/load.js';
import { startServer } from '../../policy/server.js';
import { startFreeradiusNas } from '../peers/freeradius-nas.js';
import { fmt, header, onCleanup, printTable, runIfMain, summarize, tempDir, type Bench, type BenchResult } from './common.js';
import { radiusYaml } from '../radius-yaml.js';
import { firewallOffFacts, healthyReport } from '../posture-report.js';

const ENDPOINTS = Number(process.env['BENCH_COA_ENDPOINTS'] ?? 300);
const SECRET = 'kenneki-bench-coa-secret';

/** Posture facts the baseline policy allows (firewall on) or isolates (firewall off). */
const facts = (at: Date, firewallOn: boolean): Record<string, unknown> => healthyReport(at, firewallOn ? {} : firewallOffFacts(at)).facts;

export const radiusCoaBench: Bench = {
  name: 'radius-coa',
  description: 'CoA/Disconnect latency from verdict change to the NAS ACK (FreeRADIUS as the NAS)',
  async run(): Promise<BenchResult> {
    header('RADIUS CoA latency', `${ENDPOINTS} endpoints with live MAB sessions; FreeRADIUS as the NAS (Message-Authenticator required)`);
    const nas = await startFreeradiusNas({ secret: SECRET });
    onCleanup(() => nas.stop());
    const { dir } = tempDir('kenneki-bench-coa-');
    const file = join(dir, 'kenneki.yaml');
    writeFileSync(
      file,
      [
        `data_dir: ${dir}`,
        'http: { host: 127.0.0.1, port: 0 }',
        'pt_tls: { enabled: false }',
        radiusYaml({ lines: ['eap: { methods: [] }'], clients: [{ name: 'bench-nas', address: '127.0.0.1', secret: SECRET, extra: `profile: hostapd, coa_port: ${nas.ports.ack}` }] }),
      ].join('\n'),
    );
    // The adapter's log lines, stamped as they are written (pino writes synchronously here).
    const acked = new Map<string, number>();
    /** The NAS's own share: first transmission to verified answer. */
    const rtt = new Map<string, number>();
    const failed: string[] = [];
    const sink = {
      write(line: string) {
        if (!line.includes('RADIUS_DYNAMIC_AUTH')) return;
        const e = JSON.parse(line) as { endpointId: string; outcome: string; steps: { rttMs?: number }[] };
        if (e.outcome === 'acked') {
          acked.set(e.endpointId, performance.now());
          rtt.set(e.endpointId, e.steps.reduce((a, st) => a + (st.rttMs ?? 0), 0));
        }
        else failed.push(e.endpointId);
      },
    };
    const server = await startServer(loadConfig({ file }), { log: pino({ level: 'info' }, sink), startSweeper: false, enforcement: startEnforcement });
    onCleanup(() => server.close());
    const { store, pdp } = server.ctx;
    const changedAt = new Map<string, number>();
    server.bus.subscribe((c) => void changedAt.set(c.endpointId, performance.now()));

    // Endpoints, allowed, each admitted once by MAB so that it has a session on the NAS.
    const ids: string[] = [];
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    onCleanup(() => void sock.close());
    const pending = new Map<number, () => void>();
    sock.on('message', (m) => pending.get(decodePacket(m).identifier)?.());
    let t = Date.now();
    for (let i = 0; i < ENDPOINTS; i++) {
      const mac = `02:00:5e:01:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      const e = await store.endpoints.create('default', { mac, hostname: `coa-bench-${i}` }, new Date().toISOString(), undefined);
      await pdp.ingest('default', e.id, { reportedAt: new Date(t++).toISOString(), facts: facts(new Date(), true) }, 'kenneki-agent');
      ids.push(e.id);
      const auth = randomBytes(16);
      const bare = mac.replace(/:/g, '');
      await new Promise<void>((resolve) => {
        pending.set(i & 0xff, resolve);
        sock.send(
          encodeRequest({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: i & 0xff, attributes: [textAttribute(attr('User-Name'), bare), { type: attr('User-Password').type, value: hideUserPassword(bare, SECRET, auth) }, textAttribute(attr('Calling-Station-Id'), mac.replace(/:/g, '-'))] }, SECRET, { authenticator: auth }),
          server.enforcementPorts['radiusAuth']!,
          '127.0.0.1',
        );
      });
    }

    const latencies = async (trigger: () => Promise<void>): Promise<{ ms: number[]; nasMs: number[]; failures: number }> => {
      acked.clear();
      rtt.clear();
      changedAt.clear();
      failed.length = 0;
      await trigger();
      const deadline = Date.now() + 30_000;
      while (acked.size + failed.length < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const ms = ids.flatMap((id) => (acked.has(id) && changedAt.has(id) ? [acked.get(id)! - changedAt.get(id)!] : []));
      const nasMs = ids.flatMap((id) => (rtt.has(id) ? [rtt.get(id)!] : []));
      return { ms, nasMs, failures: ids.length - ms.length };
    };

    // Steady: one posture change at a time, every 10 ms.
    const steady = await latencies(async () => {
      for (const id of ids) {
        await pdp.ingest('default', id, { reportedAt: new Date(t++).toISOString(), facts: facts(new Date(), false) }, 'kenneki-agent');
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    // Burst: every endpoint reports its fix at once, unpaced: every CoA is in flight together.
    const burst = await latencies(async () => {
      await Promise.all(ids.map((id) => pdp.ingest('default', id, { reportedAt: new Date(t++).toISOString(), facts: facts(new Date(), true) }, 'kenneki-agent')));
    });

    const s1 = summarize(steady.ms);
    const s2 = summarize(burst.ms);
    printTable(
      ['load', 'changes', 'acked', 'p50 ms', 'p99 ms', 'max ms', 'NAS rtt p50 / p99 ms'],
      [
        ['steady (1 at a time)', String(ids.length), String(steady.ms.length), fmt.n(s1.p50, 2), fmt.n(s1.p99, 2), fmt.n(s1.max, 2), `${fmt.n(summarize(steady.nasMs).p50, 2)} / ${fmt.n(summarize(steady.nasMs).p99, 2)}`],
        [`burst (${ids.length} at once)`, String(ids.length), String(burst.ms.length), fmt.n(s2.p50, 2), fmt.n(s2.p99, 2), fmt.n(s2.max, 2), `${fmt.n(summarize(burst.nasMs).p50, 2)} / ${fmt.n(summarize(burst.nasMs).p99, 2)}`],
      ],
    );
    return {
      name: 'radius-coa',
      figures: [
        { label: 'CoA latency p99, steady', value: `${fmt.n(s1.p99, 2)} ms (p50 ${fmt.n(s1.p50, 2)})`, target: '< 100 ms', met: s1.p99 < 100 && steady.failures === 0 },
        { label: `CoA latency p99, burst of ${ids.length}`, value: `${fmt.n(s2.p99, 2)} ms (p50 ${fmt.n(s2.p50, 2)})`, target: '< 100 ms', met: s2.p99 < 100 && burst.failures === 0 },
        { label: 'CoA not acked', value: String(steady.failures + burst.failures), target: '0', met: steady.failures + burst.failures === 0 },
      ],
    };
  },
};

runIfMain(radiusCoaBench, import.meta.url);

/**
 * `npm run bench -- radius-identity`: does RADIUS latency stay flat when the directory stops?
 * (issue 5's outage acceptance, for the RADIUS path; the PT-TLS path is in the identity bench.)
 *
 * Kenneki in this process with a real slapd as its directory and RADIUS on loopback:
 * - MAB (admission from the verdict, never the directory), timed by a Node UDP client;
 * - EAP-TTLS/PAP logins of a user seen before (inner password by bind, then from the login
 *   cache), timed as eapol_test runs (process start included, the same in both phases).
 * Each is measured with slapd up, then with slapd stopped, and the ratio down/up is printed.
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
import { RADIUS_CODE } from '../../gateway/radius/codec/packet.js';
import { loadConfig } from '../../policy/config/load.js';
import { startServer } from '../../policy/server.js';
import { eapolTest } from '../peers/eapol-test.js';
import { startSlapd } from '../peers/slapd.js';
import { fmt, header, onCleanup, printTable, runIfMain, summarize, tempDir, type Bench, type BenchResult, type Summary } from './common.js';
import { identityYaml } from './identity.js';
import { radiusYaml } from '../radius-yaml.js';

const SECRET = 'kenneki-bench-radius-identity';
const MAB_SAMPLES = Number(process.env['BENCH_RADIUS_MAB_SAMPLES'] ?? 2000);
const EAP_SAMPLES = Number(process.env['BENCH_RADIUS_EAP_SAMPLES'] ?? 40);

export const radiusIdentityBench: Bench = {
  name: 'radius-identity',
  description: 'RADIUS MAB and EAP-TTLS/PAP latency with the directory up, then stopped',
  async run(): Promise<BenchResult> {
    header('RADIUS with the directory up, then stopped', `${MAB_SAMPLES} MAB requests and ${EAP_SAMPLES} EAP-TTLS/PAP logins (eapol_test) per phase`);
    const slapd = await startSlapd();
    onCleanup(() => slapd.stop());
    const { dir } = tempDir('kenneki-bench-radius-identity-');
    const file = join(dir, 'kenneki.yaml');
    writeFileSync(
      file,
      [
        `data_dir: ${dir}`,
        'http: { host: 127.0.0.1, port: 0 }',
        'pt_tls: { port: 0 }',
        identityYaml(dir, slapd),
        radiusYaml({ lines: ['eap: { methods: [ttls-pap] }'], clients: [{ name: 'bench-nas', address: '127.0.0.1', secret: SECRET }] }),
      ].join('\n'),
    );
    const server = await startServer(loadConfig({ file }), { log: pino({ level: 'warn' }), startSweeper: false, enforcement: startEnforcement });
    onCleanup(() => server.close());
    const port = server.enforcementPorts['radiusAuth']!;
    const mac = '02:00:5e:00:77:01';
    await server.ctx.store.endpoints.create('default', { mac, hostname: 'bench-laptop' }, new Date().toISOString(), undefined);

    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    onCleanup(() => void sock.close());
    let waiting: (() => void) | undefined;
    sock.on('message', () => waiting?.());
    const mab = async (): Promise<number[]> => {
      const out: number[] = [];
      const bare = mac.replace(/:/g, '');
      for (let i = 0; i < MAB_SAMPLES; i++) {
        const auth = randomBytes(16);
        const pkt = encodeRequest({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: i & 0xff, attributes: [textAttribute(attr('User-Name'), bare), { type: attr('User-Password').type, value: hideUserPassword(bare, SECRET, auth) }] }, SECRET, { authenticator: auth });
        const t0 = performance.now();
        await new Promise<void>((resolve) => {
          waiting = resolve;
          sock.send(pkt, port, '127.0.0.1');
        });
        out.push(performance.now() - t0);
      }
      return out;
    };
    const conf = join(dir, 'ttls.conf');
    const alice = slapd.users.alice;
    writeFileSync(conf, `network={\n key_mgmt=IEEE8021X\n eap=TTLS\n identity="${alice.uid}"\n anonymous_identity="anonymous"\n password="${alice.password}"\n phase2="auth=PAP"\n ca_cert="${join(dir, 'ca', 'ca.crt')}"\n}\n`);
    const eap = async (): Promise<{ ms: number[]; failed: number }> => {
      const ms: number[] = [];
      let failed = 0;
      for (let i = 0; i < EAP_SAMPLES; i++) {
        const r = await eapolTest({ confPath: conf, port, secret: SECRET, mac });
        if (r.success) ms.push(r.ms);
        else failed++;
      }
      return { ms, failed };
    };

    await mab();
    await eap(); // warm: alice's password is now in the login cache
    const up = { mab: summarize(await mab()), eap: await eap() };
    await slapd.stop();
    const down = { mab: summarize(await mab()), eap: await eap() };
    const upEap = summarize(up.eap.ms);
    const downEap = summarize(down.eap.ms);
    const row = (what: string, u: Summary, d: Summary): string[] => [what, fmt.n(u.p50, 3), fmt.n(u.p99, 3), fmt.n(d.p50, 3), fmt.n(d.p99, 3), fmt.n(d.p50 / u.p50, 2), fmt.n(d.p99 / u.p99, 2)];
    printTable(['request', 'up p50 ms', 'up p99 ms', 'down p50 ms', 'down p99 ms', 'ratio p50', 'ratio p99'], [row('MAB', up.mab, down.mab), row('EAP-TTLS/PAP (eapol_test run)', upEap, downEap)]);
    console.log(`  EAP logins failed: up ${up.eap.failed}, down ${down.eap.failed}`);
    const flat = (u: Summary, d: Summary) => d.p50 / u.p50 < 1.5 && d.p99 / u.p99 < 1.5;
    return {
      name: 'radius-identity',
      figures: [
        { label: 'MAB p50/p99 down÷up', value: `${fmt.n(down.mab.p50 / up.mab.p50, 2)} / ${fmt.n(down.mab.p99 / up.mab.p99, 2)}`, target: 'flat (< 1.5)', met: flat(up.mab, down.mab) },
        { label: 'TTLS/PAP cached user p50/p99 down÷up', value: `${fmt.n(downEap.p50 / upEap.p50, 2)} / ${fmt.n(downEap.p99 / upEap.p99, 2)}`, target: 'flat (< 1.5)', met: flat(upEap, downEap) && up.eap.failed + down.eap.failed === 0 },
      ],
    };
  },
};

runIfMain(radiusIdentityBench, import.meta.url);

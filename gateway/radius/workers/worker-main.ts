/**
 * A RADIUS worker process (`radius.workers`): serves the sockets the main process bound, with the
 * NAS clients and placement rules of the same configuration. See protocol.ts for what it asks the
 * main process and what it hands over. It exits when the main process goes away.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '../../../policy/log.js';
import { RadiusMetrics } from '../metrics.js';
import { NasClientTable } from '../server/nas-clients.js';
import { configuredSettings, RadiusServer } from '../server/radius-server.js';
import { ForwardedSessions } from './forwarded-sessions.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { RemoteAdmission } from './remote-admission.js';
import { DeviceLookups } from './device-lookups.js';
import { eapHolder } from './eap-routing.js';
import { credentialsProxy } from '../eap/credentials-proxy.js';
import { asBuffer } from '../eap/threads/protocol.js';
import { createEapPort, type EapPortHandle } from '../eap/index.js';
import { registerEapMetrics } from '../eap-metrics.js';
import type { Admission } from '../../../policy/service/admission.js';

const send = (m: FromWorker): void => {
  try {
    process.send?.(m);
  } catch {
    process.exit(0); // the channel is gone: the main process is, too
  }
};

/**
 * A passed socket starts reading the moment it arrives, and a datagram with no listener is lost;
 * so until the server is started, what arrives is held (bounded) and then handed to it.
 */
interface Arrived {
  socket: Socket;
  early: (msg: Buffer, r: RemoteInfo) => void;
  held: [Buffer, RemoteInfo][];
}
const MAX_HELD = 4096;

let init: WorkerInit | undefined;
const sockets: Partial<Record<'auth' | 'acct', Arrived>> = {};
let admission: RemoteAdmission | undefined;
let registry: Registry | undefined;
let eap: EapPortHandle | undefined;
/** The server, for EAP requests another worker read for a conversation held here. */
let radiusServer: RadiusServer | undefined;
const proxy = credentialsProxy((r) => send(r), asBuffer);
const devices = new DeviceLookups(send);
const deviceAdmission = (tenantId: string, deviceId: string): Promise<Admission | undefined> => devices.ask(tenantId, deviceId);
const datagram = (msg: Buffer, r: RemoteInfo) => ({ datagram: msg, address: r.address, family: r.family, port: r.port, size: r.size });

process.on('disconnect', () => process.exit(0));
// The main process stops its workers with SIGTERM: exit normally (flushing logs, profiles).
process.on('SIGTERM', () => process.exit(0));
process.on('message', (m: ToWorker, handle?: unknown) => {
  switch (m.kind) {
    case 'init':
      init = m;
      break;
    case 'socket': {
      const socket = handle as Socket;
      const held: [Buffer, RemoteInfo][] = [];
      const early = (msg: Buffer, r: RemoteInfo): void => void (held.length < MAX_HELD && held.push([msg, r]));
      socket.on('message', early);
      sockets[m.port] = { socket, early, held };
      if (init && sockets.auth && sockets.acct) void serve(init, sockets.auth, sockets.acct);
      break;
    }
    case 'admission':
      admission?.learned(m.tenantId, m.mac, m.admission, m.requestId);
      break;
    case 'lookup-failed':
      admission?.failed(m.requestId, m.reason);
      break;
    case 'ping':
      send({ kind: 'pong' });
      break;
    case 'credential':
      proxy.answered(m);
      break;
    case 'revocations':
      eap?.updateRevocations(m.lists);
      break;
    case 'device':
      devices.settle(m.requestId, m.admission);
      break;
    case 'eap':
      // The conversation is held here; the datagram went to another worker first.
      radiusServer?.receive(asBuffer(m.datagram), { address: m.address, family: m.family, port: m.port, size: m.size });
      break;
    case 'metrics':
      void registry?.getMetricsAsJSON().then((metrics) => send({ kind: 'metrics', requestId: m.requestId, metrics }));
      break;
  }
});
send({ kind: 'hello' });

async function serve(cfg: WorkerInit, auth: Arrived, acct: Arrived): Promise<void> {
  const r = cfg.radius;
  const log = createLogger(cfg.logLevel).child({ component: 'radius', worker: cfg.index });
  registry = new Registry();
  admission = new RemoteAdmission(send);
  // EAP of its own: the conversations it starts carry its index in their State.
  const own = cfg.eap ? createEapPort({ ...cfg.eap, credentials: proxy.credentials, log, stateTag: cfg.index }) : undefined;
  eap = own;
  const server = new RadiusServer({
    ...configuredSettings(r, NasClientTable.fromConfig(r)),
    admission,
    sessions: new ForwardedSessions(send),
    metrics: new RadiusMetrics(registry),
    log,
    sockets: { auth: auth.socket, acct: acct.socket },
    ...(own
      ? {
          eap: own,
          admissionByDeviceId: deviceAdmission,
          // A request for another worker's conversation (the kernel could not find its State).
          forwardEap: (msg: Buffer, rinfo: RemoteInfo) => {
            const holder = eapHolder(msg, cfg.workers);
            if (holder === undefined || holder === cfg.index) return false;
            send({ kind: 'eap', to: holder, ...datagram(msg, rinfo) });
            return true;
          },
        }
      : {
          forwardEap: (msg: Buffer, rinfo: RemoteInfo) => {
            send({ kind: 'eap', ...datagram(msg, rinfo) });
            return true;
          },
        }),
  });
  radiusServer = server;
  if (own) registerEapMetrics(registry, () => own.stats());
  await server.start();
  // Per worker, unlike every other series (summed over the processes): whether the kernel spreads
  // the ports evenly is read here. Set at scrape time, so a datagram costs nothing more.
  new Counter({
    name: 'kenneki_radius_worker_datagrams_total',
    help: 'Datagrams each RADIUS worker process read from its sockets',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      this.labels(String(cfg.index)).inc(server.datagramsRead);
    },
  });
  for (const [port, a] of [['auth', auth], ['acct', acct]] as const) {
    a.socket.off('message', a.early);
    for (const [msg, r] of a.held.splice(0)) server.receive(msg, r, port);
  }
  send({ kind: 'ready' });
}

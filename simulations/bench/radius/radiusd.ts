/**
 * radiusd in the foreground for a benchmark, from a raddb the caller wrote into `dir` (and
 * removes): threaded, logging to stdout, ready when it says so. Shared by the MAB and EAP-TLS
 * benchmarks; tests use simulations/peers/freeradius-nas.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { requireFreeradius } from '../../peers/freeradius-nas.js';
import { ownChild } from '../common.js';

export { requireFreeradius };

const FREERADIUS = '/usr/sbin/freeradius';
const SETPRIV = '/usr/bin/setpriv';
const READY = /Ready to process requests/;

/**
 * The part of radiusd.conf both benchmarks share: paths into `dir`, the system's modules and
 * dictionaries, stdout logging, the one NAS client (Message-Authenticator required, as Kenneki
 * requires it) and the stock-sized thread pool. Each benchmark appends its modules and server.
 */
export function radiusdBase(o: { dir: string; secret: string; maxRequests: number }): string {
  return `prefix = /usr
raddbdir = ${o.dir}
confdir = ${o.dir}
logdir = ${o.dir}
run_dir = ${o.dir}
libdir = /usr/lib/freeradius
dictdir = /usr/share/freeradius
pidfile = ${join(o.dir, 'radiusd.pid')}
max_request_time = 30
cleanup_delay = 5
max_requests = ${o.maxRequests}
hostname_lookups = no
log {
  destination = stdout
  auth = no
}
security {
  allow_core_dumps = no
  max_attributes = 200
  status_server = yes
}
client bench-nas {
  ipaddr = 127.0.0.1
  secret = "${o.secret}"
  require_message_authenticator = yes
}
thread pool {
  start_servers = 5
  max_servers = 32
  min_spare_servers = 3
  max_spare_servers = 10
  max_requests_per_server = 0
  max_queue_size = 65536
}
`;
}

export interface Radiusd {
  pid: number;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startRadiusd(o: { dir: string; port: number }): Promise<Radiusd> {
  requireFreeradius();
  // setpriv --pdeathsig: radiusd goes when we die hard; setpriv execs, so the PID is radiusd's.
  const child: ChildProcess = spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', FREERADIUS, '-f', '-d', o.dir, '-n', 'radiusd', '-l', 'stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { exited, stop } = ownChild(child, 'SIGTERM', 5_000);
  let out = '';
  let notify: (() => void) | undefined;
  const onData = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
    notify?.();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`freeradius did not print "Ready to process requests" in 20 s:\n${out.slice(-3000)}`)), 20_000);
      notify = () => {
        if (READY.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`freeradius exited (code ${child.exitCode}) before it was ready:\n${out.slice(-3000)}`));
      });
      notify();
    });
  } catch (e) {
    await stop();
    throw e;
  }
  notify = undefined;
  return { pid: child.pid!, port: o.port, output: () => out, stop };
}

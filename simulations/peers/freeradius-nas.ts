/**
 * FreeRADIUS as a fake NAS that answers RFC 5176 Dynamic Authorization: the peer for Kenneki's
 * CoA / Disconnect client. One radiusd in the foreground (-X, so its debug log shows exactly what
 * it received), from a throwaway raddb holding only a radiusd.conf: no default sites or modules,
 * dictionaries from the system package. It listens on three loopback ports, one per behaviour:
 *
 * - `ack`:     Disconnect-ACK and CoA-ACK;
 * - `nakCoa`:  CoA-NAK with Error-Cause Unsupported-Service, Disconnect-ACK (a NAS that knows no
 *              vendor CoA commands, like hostapd);
 * - `nakAll`:  NAK to both, with Error-Cause Session-Context-Not-Found.
 *
 * The one client, 127.0.0.1, has `require_message_authenticator = yes`: FreeRADIUS then drops a
 * request without Message-Authenticator, and it always drops one whose Message-Authenticator or
 * Request Authenticator does not verify. So an ACK is proof that both were right.
 *
 * Needs the Debian package freeradius (and util-linux for setpriv); a missing one fails the test
 * with the package name, never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freeUdpPorts } from './free-ports.js';
import { killOnExit } from './kill-on-exit.js';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FREERADIUS = '/usr/sbin/freeradius';
const SETPRIV = '/usr/bin/setpriv';
/** Where Debian's freeradius package keeps the dictionaries and modules. */
const DICTDIR = '/usr/share/freeradius';
const LIBDIR = '/usr/lib/freeradius';

export type FreeradiusNasBehaviour = 'ack' | 'nakCoa' | 'nakAll';

export interface FreeradiusNas {
  ports: Record<FreeradiusNasBehaviour, number>;
  secret: string;
  /** radiusd's -X output so far. */
  output(): string;
  /** Resolves with the first match in the output (past or future); rejects after timeoutMs. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after 5 s; removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Fails (never skips) when a tool is missing, naming the Debian package to install. */
export function requireFreeradius(): void {
  const missing = [
    { path: FREERADIUS, pkg: 'freeradius' },
    { path: SETPRIV, pkg: 'util-linux' },
  ].filter((b) => !existsSync(b.path));
  if (missing.length > 0) {
    throw new Error(`${missing.map((b) => b.path).join(', ')} not found: install the Debian package(s) ${missing.map((b) => b.pkg).join(' ')}`);
  }
}

const listen = (port: number) => `  listen {\n    type = coa\n    ipaddr = 127.0.0.1\n    port = ${port}\n  }`;

/** `recv-coa` handles Disconnect-Request too in FreeRADIUS 3; `reject` there makes the NAK. */
function radiusdConf(dir: string, secret: string, ports: Record<FreeradiusNasBehaviour, number>): string {
  return `prefix = /usr
raddbdir = ${dir}
confdir = ${dir}
logdir = ${dir}
run_dir = ${dir}
libdir = ${LIBDIR}
dictdir = ${DICTDIR}
pidfile = ${join(dir, 'radiusd.pid')}
log {
  destination = stdout
}
security {
  allow_core_dumps = no
  max_attributes = 200
  status_server = no
}
client kenneki {
  ipaddr = 127.0.0.1
  secret = "${secret}"
  require_message_authenticator = yes
}
thread pool {
  start_servers = 1
  max_servers = 1
  min_spare_servers = 1
  max_spare_servers = 1
}
modules {
  always ok {
    rcode = ok
  }
  always reject {
    rcode = reject
  }
}
server nas-ack {
${listen(ports.ack)}
  recv-coa {
    ok
  }
  send-coa {
    ok
  }
}
server nas-nak-coa {
${listen(ports.nakCoa)}
  recv-coa {
    if (&request:Packet-Type == Disconnect-Request) {
      ok
    }
    else {
      update reply {
        &Error-Cause := Unsupported-Service
      }
      reject
    }
  }
  send-coa {
    ok
  }
}
server nas-nak-all {
${listen(ports.nakAll)}
  recv-coa {
    update reply {
      &Error-Cause := Session-Context-Not-Found
    }
    reject
  }
  send-coa {
    ok
  }
}
`;
}


const READY = /Ready to process requests/;
const START_TIMEOUT_MS = 15_000;

async function startOnce(secret: string): Promise<FreeradiusNas> {
  const [ack, nakCoa, nakAll] = (await freeUdpPorts(3)) as [number, number, number];
  const ports = { ack, nakCoa, nakAll };
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-freeradius-nas-'));
  writeFileSync(join(dir, 'radiusd.conf'), radiusdConf(dir, secret, ports));
  const child = spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', FREERADIUS, '-X', '-d', dir, '-n', 'radiusd'], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let out = '';
  const watchers = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString('utf8');
    for (const w of watchers) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let running = true;
  void exited.then(() => {
    running = false;
    for (const w of watchers) w();
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 5_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = out.match(pattern);
        if (m) return done(() => resolve(m));
        if (!running) return done(() => reject(new Error(`freeradius exited (code ${child.exitCode}) before printing ${pattern}:\n${out}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`freeradius did not print ${pattern} within ${timeoutMs} ms:\n${out.slice(-4000)}`))), timeoutMs);
      const done = (f: () => void): void => {
        clearTimeout(timer);
        watchers.delete(check);
        f();
      };
      watchers.add(check);
      check();
    });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (running) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await waitForOutput(READY, START_TIMEOUT_MS);
  } catch (e) {
    await stop();
    throw e;
  }
  return { ports, secret, output: () => out, waitForOutput, stop };
}

/**
 * Starts the fake NAS; resolves once radiusd prints "Ready to process requests". The ports are
 * picked free just before, so another process may grab one in between: a bind failure retries.
 */
export async function startFreeradiusNas(opts: { secret: string }): Promise<FreeradiusNas> {
  requireFreeradius();
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts.secret);
    } catch (e) {
      last = e;
      if (!/Failed binding|Address already in use/i.test(String(e))) throw e;
    }
  }
  throw last;
}

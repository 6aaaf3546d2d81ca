/**
 * Real DHCPv4 peers for integration tests: a topology of namespaces of the test's own, the two
 * clients machines really run (busybox udhcpc, ISC dhclient), a real relay agent (ISC dhcrelay)
 * and a real load generator (Kea's perfdhcp). The server under test (Kenneki, or Kea for the
 * harness's own test, see dhcp-kea.ts) is started by the caller inside the "server" namespace
 * through `topo.wrap('server', argv)` or `topo.spawn('server', ...)`.
 *
 * Topologies (fixed addresses: the namespaces are isolated from every other run's, only the names
 * carry the pid):
 * - direct: client ns --veth-- server ns, one segment 10.215.1.0/24, server 10.215.1.1;
 * - relay:  client ns --veth-- relay ns --veth-- server ns. Client segment 10.215.2.0/24 (relay
 *   10.215.2.1 = the giaddr), server segment 10.215.3.0/24 (server .1, relay .2); the server has a
 *   route back to 10.215.2.0/24 via the relay, and only the relay ns forwards.
 * The client interface has no address until DHCP gives it one: the clients' hooks (ours, never the
 * distributions' scripts, which would rewrite the host's /etc/resolv.conf) apply it, so a client
 * can renew by unicast like a real machine.
 *
 * Needs root and the Debian packages iproute2, util-linux, udhcpc, isc-dhcp-client,
 * isc-dhcp-relay and kea-admin; a missing binary FAILS the caller with the package name (never
 * skips).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePerfdhcpOutput, type PerfdhcpExchange } from '../../simulations/bench/dhcp/perfdhcp.js';
import { settled } from '../../simulations/peers/child-settled.js';

// ---------------------------------------------------------------------------------------------
// Binaries

const SEARCH_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** Debian package of each peer binary, for the failure message. */
export const DHCP_PEER_PACKAGES = {
  ip: 'iproute2',
  setpriv: 'util-linux',
  udhcpc: 'udhcpc',
  dhclient: 'isc-dhcp-client',
  dhcrelay: 'isc-dhcp-relay',
  perfdhcp: 'kea-admin',
  'kea-dhcp4': 'kea-dhcp4-server',
  tcpdump: 'tcpdump',
} as const;
export type DhcpPeerBinary = keyof typeof DHCP_PEER_PACKAGES;

/** Absolute path of `name`, or an Error naming the Debian package to install (never a skip). */
export function locateBinary(name: string, debianPackage: string): string {
  for (const dir of SEARCH_DIRS) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`\`${name}\` not found in ${SEARCH_DIRS.join(':')}: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`);
}

const located = new Map<string, string>();
/** Path of one of the known peers (cached). */
export function requireDhcpPeer(name: DhcpPeerBinary): string {
  let p = located.get(name);
  if (p === undefined) {
    p = locateBinary(name, DHCP_PEER_PACKAGES[name]);
    located.set(name, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface PeerProcess {
  name: string;
  child: ChildProcess;
  /** The daemon's own pid: setpriv and `ip netns exec` both exec, so nothing sits in between. */
  pid: number;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves on the first match in output from character offset `from`; rejects on timeout or exit. */
  waitFor(re: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM), SIGKILL after `timeoutMs`; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const liveChildren = new Set<ChildProcess>();
const liveTopologies = new Set<DhcpTopology>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that forgets remove() (or throws before it) must not leave daemons or namespaces.
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
    for (const t of liveTopologies) t.remove();
  });
}

/**
 * Spawns argv under `setpriv --pdeathsig KILL`: the parent-death signal survives the execs of
 * setpriv and `ip netns exec`, so a SIGKILLed test worker takes its daemons along.
 */
export function spawnPeer(name: string, argv: readonly string[], env?: NodeJS.ProcessEnv): PeerProcess {
  installExitHook();
  const child = spawn(requireDhcpPeer('setpriv'), ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
  liveChildren.add(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString('utf8');
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('exit', () => liveChildren.delete(child));
  const exited = settled(child).then(({ code, signal }) => code ?? (signal === null ? null : -1));
  const proc: PeerProcess = {
    name,
    child,
    pid: child.pid,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.slice(from).match(re);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name}: timed out after ${timeoutMs} ms waiting for ${re}; output:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(() => {
          // Output may still be in the pipe when 'exit' fires; 'close' would be later but check now too.
          check();
          if (waiters.has(check)) {
            cleanup();
            reject(new Error(`${name} exited before ${re}; output:\n${out}`));
          }
        });
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return proc;
}

/** A random locally-administered unicast MAC, lowercase colon form. */
export function randomLocalMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfc) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

// ---------------------------------------------------------------------------------------------
// Topology

export type DhcpRole = 'server' | 'client' | 'relay';

export interface DhcpTopologyOptions {
  relay: boolean;
  /** The client interface's MAC (lowercase colon form). Default: a random local MAC. */
  clientMac?: string;
  /** Extra letters in the namespace names, for two topologies of the same mode in one process. */
  tag?: string;
}

export interface DhcpTopology {
  mode: 'direct' | 'relay';
  namespaces: { server: string; client: string; relay?: string };
  /** Interface names (each inside its own namespace). */
  interfaces: { server: string; client: string; relayDown?: string; relayUp?: string };
  /** The server's address: where the relay (or perfdhcp) sends, and the expected server identifier. */
  serverAddress: string;
  /** The client segment, i.e. the scope a client should get a lease from. */
  clientSubnet: string;
  /** First three octets of the client segment, e.g. `10.215.2`. */
  clientNet: string;
  /** The address on the client segment that a server should name as router: the server itself (direct) or the relay. */
  clientGateway: string;
  /** relay mode: the relay's addresses (down = the giaddr it sets, up = on the server segment). */
  relayAddresses?: { down: string; up: string };
  /** The client interface's current MAC. */
  clientMac: string;
  /** argv running inside that role's namespace. */
  wrap(role: DhcpRole, argv: readonly string[]): string[];
  /** Runs synchronously inside the namespace; throws on non-zero exit with stderr in the message. */
  exec(role: DhcpRole, argv: readonly string[], input?: string): string;
  /** Spawns a daemon inside the namespace (setpriv'd, killed by remove()). */
  spawn(role: DhcpRole, name: string, argv: readonly string[], env?: NodeJS.ProcessEnv): PeerProcess;
  /** Changes the client interface's MAC (down, set, up): a "new machine" on the same port. */
  setClientMac(mac: string): void;
  /** IPv4 addresses (CIDR form) currently on the client interface. */
  clientAddresses(): string[];
  /** A temporary folder removed by remove(), for config, hook and event files. */
  dir: string;
  /** Processes started through spawn() that are still running. */
  running(): PeerProcess[];
  /** Kills what it started (by pid), deletes its namespaces and folder. Idempotent. */
  remove(): void;
}

/** Creates the namespaces and links; leftovers of a killed run with the same names go first. */
export function createDhcpTopology(opts: DhcpTopologyOptions): DhcpTopology {
  const ip = requireDhcpPeer('ip');
  requireDhcpPeer('setpriv');
  const mode = opts.relay ? 'relay' : 'direct';
  const prefix = `kkd${opts.tag ?? ''}${opts.relay ? 'r' : 'd'}`;
  const namespaces = {
    server: `${prefix}srv${process.pid}`,
    client: `${prefix}cli${process.pid}`,
    ...(opts.relay ? { relay: `${prefix}rly${process.pid}` } : {}),
  };
  // Names live inside each namespace, so they can be fixed and short (kernel limit: 15).
  const interfaces = { server: 'kds0', client: 'kdc0', ...(opts.relay ? { relayDown: 'kdr0', relayUp: 'kdr1' } : {}) };
  const clientNet = opts.relay ? '10.215.2' : '10.215.1';
  const serverAddress = opts.relay ? '10.215.3.1' : '10.215.1.1';
  const relayAddresses = opts.relay ? { down: '10.215.2.1', up: '10.215.3.2' } : undefined;
  let clientMac = (opts.clientMac ?? randomLocalMac()).toLowerCase();
  const nsOf = (role: DhcpRole): string => {
    const ns = namespaces[role];
    if (ns === undefined) throw new Error(`no ${role} namespace in a ${mode} topology`);
    return ns;
  };
  const run = (args: string[]) => {
    try {
      execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
      throw new Error(`ip ${args.join(' ')}: ${stderr || String(e)}`);
    }
  };
  const children: PeerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kkdhcp-'));
  let removed = false;

  const topo: DhcpTopology = {
    mode,
    namespaces,
    interfaces,
    serverAddress,
    clientSubnet: `${clientNet}.0/24`,
    clientNet,
    clientGateway: `${clientNet}.1`,
    ...(relayAddresses ? { relayAddresses } : {}),
    get clientMac() {
      return clientMac;
    },
    dir,
    wrap: (role, argv) => [ip, 'netns', 'exec', nsOf(role), ...argv],
    exec(role, argv, input) {
      const [file, ...args] = topo.wrap(role, argv) as [string, ...string[]];
      try {
        return execFileSync(file, args, { input: input ?? '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; status?: number };
        throw new Error(`${argv.join(' ')} in ${nsOf(role)} exited ${String(err.status)}: ${err.stderr ?? ''}${err.stdout ?? ''}`);
      }
    },
    spawn(role, name, argv, env) {
      const p = spawnPeer(name, topo.wrap(role, argv), env);
      children.push(p);
      void p.exited.then(() => children.splice(children.indexOf(p), 1));
      return p;
    },
    setClientMac(mac) {
      const ns = nsOf('client');
      run(['-n', ns, 'link', 'set', interfaces.client, 'down']);
      run(['-n', ns, 'link', 'set', interfaces.client, 'address', mac]);
      run(['-n', ns, 'link', 'set', interfaces.client, 'up']);
      clientMac = mac.toLowerCase();
    },
    clientAddresses() {
      const out = execFileSync(ip, ['-n', nsOf('client'), '-4', '-o', 'addr', 'show', 'dev', interfaces.client], { encoding: 'utf8' });
      return [...out.matchAll(/inet (\S+)/g)].map((m) => m[1]!);
    },
    running: () => [...children],
    remove() {
      for (const c of children.splice(0)) {
        if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      }
      for (const ns of Object.values(namespaces)) {
        try {
          execFileSync(ip, ['netns', 'del', ns], { stdio: 'ignore' }); // takes its veth ends, and so the pairs
        } catch {
          /* not there */
        }
      }
      if (!removed) {
        removed = true;
        rmSync(dir, { recursive: true, force: true });
        liveTopologies.delete(topo);
      }
    },
  };

  // Leftovers of a killed run with this pid: delete before creating (the folder is fresh anyway).
  for (const ns of Object.values(namespaces)) {
    try {
      execFileSync(ip, ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* none */
    }
  }
  installExitHook();
  liveTopologies.add(topo);
  try {
    for (const ns of Object.values(namespaces)) {
      run(['netns', 'add', ns]);
      run(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const s = namespaces.server;
    const c = namespaces.client;
    if (namespaces.relay === undefined) {
      // The veth pair is created directly between the two namespaces: the root namespace never sees it.
      run(['link', 'add', interfaces.server, 'netns', s, 'type', 'veth', 'peer', 'name', interfaces.client, 'netns', c, 'address', clientMac]);
      run(['-n', s, 'addr', 'add', `${serverAddress}/24`, 'dev', interfaces.server]);
    } else {
      const r = namespaces.relay;
      run(['link', 'add', interfaces.relayDown!, 'netns', r, 'type', 'veth', 'peer', 'name', interfaces.client, 'netns', c, 'address', clientMac]);
      run(['link', 'add', interfaces.relayUp!, 'netns', r, 'type', 'veth', 'peer', 'name', interfaces.server, 'netns', s]);
      run(['-n', r, 'addr', 'add', `${relayAddresses!.down}/24`, 'dev', interfaces.relayDown!]);
      run(['-n', r, 'addr', 'add', `${relayAddresses!.up}/24`, 'dev', interfaces.relayUp!]);
      run(['-n', r, 'link', 'set', interfaces.relayDown!, 'up']);
      run(['-n', r, 'link', 'set', interfaces.relayUp!, 'up']);
      run(['-n', s, 'addr', 'add', `${serverAddress}/24`, 'dev', interfaces.server]);
      // Replies to the relay (giaddr) and unicast to relayed clients (renewals) go back this way.
      run(['-n', s, 'link', 'set', interfaces.server, 'up']);
      run(['-n', s, 'route', 'add', `${clientNet}.0/24`, 'via', relayAddresses!.up]);
      // Forwarding in the relay's namespace only (a fresh namespace starts with it off).
      execFileSync(ip, ['netns', 'exec', r, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    run(['-n', s, 'link', 'set', interfaces.server, 'up']);
    run(['-n', c, 'link', 'set', interfaces.client, 'up']);
  } catch (e) {
    topo.remove();
    throw e;
  }
  return topo;
}

// ---------------------------------------------------------------------------------------------
// Clients

/** One run of a client's hook, as our hook script recorded it. */
export interface DhcpClientEvent {
  client: 'udhcpc' | 'dhclient';
  /**
   * udhcpc: deconfig, bound, renew, nak, leasefail. dhclient: its reason, lowercased (preinit,
   * bound, renew, rebind, reboot, expire, fail, release, stop, timeout).
   */
  event: string;
  interface: string;
  ip?: string;
  /** Dotted mask. */
  subnet?: string;
  prefix?: number;
  /** First router, and all of them. */
  router?: string;
  routers: string[];
  dns: string[];
  domain?: string;
  /** Seconds. */
  leaseTime?: number;
  serverId?: string;
  /** udhcpc: option 56 on a NAK. */
  message?: string;
  hostname?: string;
  /** Every variable the client passed (its environment is otherwise empty, see startClient). */
  vars: Record<string, string>;
  /** Date.now() in the hook. */
  at: number;
  /** What failed while applying the address (ip's stderr), if anything. */
  errors: string[];
}

export interface DhcpClient {
  kind: 'udhcpc' | 'dhclient';
  process: PeerProcess;
  /** The MAC it runs with (the client interface's at start). */
  mac: string;
  eventsFile: string;
  /** Every event recorded so far, oldest first. */
  events(): DhcpClientEvent[];
  /** Number of events so far: pass to waitForEvent as `from` before triggering something again. */
  mark(): number;
  /** First event from index `from` on matching pred; rejects after timeoutMs or if the client exits. */
  waitForEvent(pred: (e: DhcpClientEvent) => boolean, timeoutMs?: number, from?: number): Promise<DhcpClientEvent>;
  /** The first lease: waits for the first bound event (a leasefail or nak first fails it). */
  waitForLease(timeoutMs?: number): Promise<DhcpClientEvent>;
  /** Stops the daemon (SIGTERM): no RELEASE is sent. */
  stop(): Promise<void>;
}

export interface UdhcpcClient extends DhcpClient {
  kind: 'udhcpc';
  /** SIGUSR1: unicast REQUEST to the server; resolves with the next renew, bound or nak event. */
  renew(timeoutMs?: number): Promise<DhcpClientEvent>;
  /** SIGUSR2: unicast RELEASE, address removed; resolves once udhcpc is in its released state. */
  release(timeoutMs?: number): Promise<void>;
}

export interface DhclientClient extends DhcpClient {
  kind: 'dhclient';
  /** `dhclient -r` with the same files: kills the daemon, sends RELEASE, runs the hook (release). */
  release(timeoutMs?: number): Promise<DhcpClientEvent>;
}

export interface DhcpClientOptions {
  /** Option 12. */
  hostname?: string;
  /** Option 61 as hex (e.g. `01020000aabb01`); `null` sends none. Default: the client's own default (udhcpc: 01+MAC, dhclient: none). */
  clientId?: string | null;
  /** Extra arguments (udhcpc) or dhclient.conf lines (dhclient). */
  extra?: string[];
}

export interface UdhcpcOptions extends DhcpClientOptions {
  /** -t: DISCOVERs before giving up a round (udhcpc default 3). */
  discoverTries?: number;
  /** -T: seconds between them (default 3). */
  discoverIntervalSec?: number;
  /** -A: seconds to wait after a failed round (default 20). */
  failPauseSec?: number;
  /** -B: ask for broadcast replies. */
  broadcast?: boolean;
  /** -r: ask for this address. */
  requestIp?: string;
}

/**
 * Our hook, for both clients: records the event as one JSON line and applies it to the interface
 * (address, and a default route via the router so renewals can be unicast to a server behind a
 * relay). Node (absolute path in the shebang) rather than sh, so the JSON is always valid.
 */
function hookSource(kind: 'udhcpc' | 'dhclient', eventsFile: string): string {
  return `#!${process.execPath}
'use strict';
const { appendFileSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const KIND = ${JSON.stringify(kind)};
const EVENTS = ${JSON.stringify(eventsFile)};
const IP = ${JSON.stringify(requireDhcpPeer('ip'))};
const env = process.env;
const errors = [];
const ip = (...args) => {
  try { execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] }); }
  catch (e) { errors.push(IP + ' ' + args.join(' ') + ': ' + String((e.stderr && e.stderr.toString()) || e.message).trim()); }
};
const words = (s) => (s ? s.trim().split(/\\s+/).filter(Boolean) : []);
const prefixOf = (mask) => mask ? mask.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).split('1').length - 1, 0) : undefined;
const num = (s) => (s === undefined || s === '' ? undefined : Number(s));
const vars = {};
for (const [k, v] of Object.entries(env)) if (!['PATH', 'PWD', 'SHLVL', '_'].includes(k)) vars[k] = v;
let rec;
if (KIND === 'udhcpc') {
  const event = process.argv[2] || '';
  rec = { event, interface: env.interface, ip: env.ip || undefined, subnet: env.subnet || undefined,
    prefix: num(env.mask), routers: words(env.router), dns: words(env.dns), domain: env.domain || undefined,
    leaseTime: num(env.lease), serverId: env.serverid || undefined, message: env.message || undefined,
    hostname: env.hostname || undefined };
  if (event === 'bound' || event === 'renew') apply(rec);
  else if (event === 'deconfig') ip('addr', 'flush', 'dev', rec.interface);
} else {
  const reason = env.reason || '';
  rec = { event: reason.toLowerCase(), interface: env.interface, ip: env.new_ip_address || undefined,
    subnet: env.new_subnet_mask || undefined, prefix: prefixOf(env.new_subnet_mask), routers: words(env.new_routers),
    dns: words(env.new_domain_name_servers), domain: env.new_domain_name || undefined,
    leaseTime: num(env.new_dhcp_lease_time), serverId: env.new_dhcp_server_identifier || undefined,
    message: env.new_dhcp_message || undefined, hostname: env.new_host_name || undefined };
  if (reason === 'PREINIT') ip('link', 'set', rec.interface, 'up');
  else if (['BOUND', 'RENEW', 'REBIND', 'REBOOT'].includes(reason)) apply(rec);
  else if (['EXPIRE', 'FAIL', 'RELEASE', 'STOP'].includes(reason)) ip('addr', 'flush', 'dev', rec.interface);
}
function apply(r) {
  if (!r.ip || r.prefix === undefined) return;
  // A changed address replaces the old one; the same one is kept (a renewal must not drop it).
  const old = KIND === 'udhcpc' ? undefined : env.old_ip_address;
  if (KIND === 'udhcpc' ? r.event === 'bound' : old !== r.ip) ip('addr', 'flush', 'dev', r.interface);
  ip('addr', 'replace', r.ip + '/' + r.prefix, 'dev', r.interface);
  if (r.routers[0]) ip('route', 'replace', 'default', 'via', r.routers[0], 'dev', r.interface);
}
rec.router = rec.routers[0];
appendFileSync(EVENTS, JSON.stringify({ client: KIND, ...rec, vars, at: Date.now(), errors }) + '\\n');
`;
}

let clientSeq = 0;

function clientBase(topo: DhcpTopology, kind: 'udhcpc' | 'dhclient', build: (hook: string, eventsFile: string, base: string) => string[]) {
  const base = join(topo.dir, `${kind}-${++clientSeq}`);
  const eventsFile = `${base}.events.jsonl`;
  const hook = `${base}.hook.cjs`;
  writeFileSync(eventsFile, '');
  writeFileSync(hook, hookSource(kind, eventsFile));
  chmodSync(hook, 0o755);
  const argv = build(hook, eventsFile, base);
  // An empty environment: every variable the hook sees then comes from the client itself.
  const proc = topo.spawn('client', kind, argv, { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
  const events = (): DhcpClientEvent[] =>
    readFileSync(eventsFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as DhcpClientEvent);
  const waitForEvent = (pred: (e: DhcpClientEvent) => boolean, timeoutMs = 10_000, from = 0): Promise<DhcpClientEvent> =>
    new Promise((resolve, reject) => {
      let exitedCode: number | null | undefined;
      void proc.exited.then((c) => (exitedCode = c));
      const deadline = Date.now() + timeoutMs;
      // The hook appends to a file the kernel does not notify us about portably inside a
      // namespace's process; a short poll of that file is what "waiting for what it writes" means here.
      const tick = () => {
        const found = events().slice(from).find(pred);
        if (found) return resolve(found);
        const why = exitedCode !== undefined ? `${kind} exited (${String(exitedCode)})` : Date.now() > deadline ? `timed out after ${timeoutMs} ms` : undefined;
        if (why) return reject(new Error(`${why} waiting for a DHCP event; events:\n${readFileSync(eventsFile, 'utf8')}\noutput:\n${proc.output()}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  return {
    proc,
    eventsFile,
    base,
    common: {
      process: proc,
      mac: topo.clientMac,
      eventsFile,
      events,
      mark: () => events().length,
      waitForEvent,
      async waitForLease(timeoutMs = 10_000) {
        const e = await waitForEvent((x) => ['bound', 'leasefail', 'nak', 'fail', 'timeout'].includes(x.event), timeoutMs);
        if (e.event !== 'bound') throw new Error(`${kind} got ${e.event} instead of a lease: ${JSON.stringify(e)}`);
        return e;
      },
      async stop() {
        await proc.stop('SIGTERM');
      },
    },
  };
}

/** busybox udhcpc in the foreground in the client namespace, with our hook. */
export function startUdhcpc(topo: DhcpTopology, opts: UdhcpcOptions = {}): UdhcpcClient {
  const udhcpc = requireDhcpPeer('udhcpc');
  const { proc, common } = clientBase(topo, 'udhcpc', (hook) => {
    const argv = [udhcpc, '-f', '-i', topo.interfaces.client, '-s', hook];
    if (opts.hostname !== undefined) argv.push('-x', `hostname:${opts.hostname}`);
    if (opts.clientId === null) argv.push('-C');
    else if (opts.clientId !== undefined) argv.push('-C', '-x', `0x3d:${opts.clientId.replace(/[:-]/g, '')}`);
    if (opts.discoverTries !== undefined) argv.push('-t', String(opts.discoverTries));
    if (opts.discoverIntervalSec !== undefined) argv.push('-T', String(opts.discoverIntervalSec));
    if (opts.failPauseSec !== undefined) argv.push('-A', String(opts.failPauseSec));
    if (opts.broadcast) argv.push('-B');
    if (opts.requestIp !== undefined) argv.push('-r', opts.requestIp);
    argv.push(...(opts.extra ?? []));
    return argv;
  });
  return {
    kind: 'udhcpc',
    ...common,
    async renew(timeoutMs = 10_000) {
      const from = common.mark();
      proc.child.kill('SIGUSR1');
      return common.waitForEvent((e) => ['renew', 'bound', 'nak'].includes(e.event), timeoutMs, from);
    },
    async release(timeoutMs = 10_000) {
      const from = proc.output().length;
      proc.child.kill('SIGUSR2');
      // udhcpc sends the RELEASE, runs deconfig, then says so; it then waits for SIGUSR1.
      await proc.waitFor(/entering released state/, timeoutMs, from);
    },
  };
}

function dhclientConf(opts: DhcpClientOptions): string {
  const lines = ['request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name, interface-mtu;'];
  if (opts.hostname !== undefined) lines.push(`send host-name "${opts.hostname}";`);
  if (typeof opts.clientId === 'string') {
    const hex = opts.clientId.replace(/[:-]/g, '');
    lines.push(`send dhcp-client-identifier ${hex.match(/../g)!.join(':')};`);
  }
  lines.push(...(opts.extra ?? []));
  return lines.join('\n') + '\n';
}

/** ISC dhclient in the foreground (-d) in the client namespace, with our hook, config, lease and pid files. */
export function startDhclient(topo: DhcpTopology, opts: DhcpClientOptions = {}): DhclientClient {
  const dhclient = requireDhcpPeer('dhclient');
  let files: string[] = [];
  const { proc, common } = clientBase(topo, 'dhclient', (hook, _events, base) => {
    writeFileSync(`${base}.conf`, dhclientConf(opts));
    // Our own config: the default /etc/dhcp/dhclient.conf sends the host's hostname.
    files = ['-sf', hook, '-lf', `${base}.leases`, '-pf', `${base}.pid`, '-cf', `${base}.conf`];
    return [dhclient, '-4', '-d', ...files, topo.interfaces.client];
  });
  return {
    kind: 'dhclient',
    ...common,
    async release(timeoutMs = 10_000) {
      const from = common.mark();
      // -r reads the pid file and kills the running daemon itself, then sends the RELEASE.
      const r = spawnPeer('dhclient -r', topo.wrap('client', [dhclient, '-4', '-r', ...files, topo.interfaces.client]), { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
      const code = await Promise.race([r.exited, new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), timeoutMs))]);
      if (code === 'timeout') {
        await r.stop('SIGKILL');
        throw new Error(`dhclient -r timed out:\n${r.output()}`);
      }
      if (code !== 0) throw new Error(`dhclient -r exited ${String(code)}:\n${r.output()}`);
      await proc.stop('SIGTERM', 2_000); // normally already gone
      return common.waitForEvent((e) => e.event === 'release', timeoutMs, from);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Relay

export interface DhcrelayOptions {
  /** -a -m replace: add option 82 (circuit-id = the down interface's name), replacing any there. */
  agentInfo?: boolean;
  extra?: string[];
  timeoutMs?: number;
}

export interface Dhcrelay {
  process: PeerProcess;
  /** The circuit-id dhcrelay puts in option 82 (-a): the name of its client-side interface. */
  circuitId: string;
  stop(): Promise<void>;
}

/** ISC dhcrelay in the relay namespace, foreground (-d), no pid file; resolves once it listens. */
export async function startDhcrelay(topo: DhcpTopology, opts: DhcrelayOptions = {}): Promise<Dhcrelay> {
  const dhcrelay = requireDhcpPeer('dhcrelay');
  if (topo.namespaces.relay === undefined) throw new Error('startDhcrelay needs a topology created with { relay: true }');
  const down = topo.interfaces.relayDown!;
  const up = topo.interfaces.relayUp!;
  const argv = [dhcrelay, '-4', '-d', '--no-pid', '-id', down, '-iu', up];
  if (opts.agentInfo) argv.push('-a', '-m', 'replace');
  argv.push(...(opts.extra ?? []), topo.serverAddress);
  const proc = topo.spawn('relay', 'dhcrelay', argv);
  // Its last start-up line: the fallback socket (port 67) comes after the per-interface LPF sockets.
  await proc.waitFor(/Sending on\s+Socket\/fallback/, opts.timeoutMs ?? 10_000);
  return {
    process: proc,
    circuitId: down,
    async stop() {
      await proc.stop('SIGTERM');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// perfdhcp

export interface PerfdhcpOptions {
  /** -r: DORA exchanges started per second. */
  rate: number;
  /** -R: distinct simulated clients (MACs). */
  clients: number;
  /** -p: test period. */
  seconds: number;
  /**
   * true: perfdhcp acts as the relay (`-l LOCALIP SERVERIP`, giaddr = LOCALIP, unicast from port
   * 67). perfdhcp sends out of the interface that holds LOCALIP (it binds to the device), so
   * LOCALIP must sit on the server's side. In a relay topology it runs in the relay namespace
   * with LOCALIP = `<clientNet>.254/32` added on the relay's server-side interface (a giaddr in the
   * client scope; dhcrelay must not be running: both want port 67 there); in a direct topology it
   * runs in the client namespace, which gets the extra address `<clientNet>.250/24`.
   * false: broadcast from the client interface (`-B -l IFACE`), direct topology only.
   * Default: true.
   */
  relayed?: boolean;
  /**
   * -D: abort when drops exceed this (e.g. `2.5%`). Beware: perfdhcp counts packets still in
   * flight as drops once more than 10 were sent, so a percentage aborts short runs at random
   * (exit 3). By default it is not passed, and `dropsPercent` is read from the final figures.
   */
  maxDrop?: string;
  /** -W in µs: how long to wait for late answers after the period (default 1 s). */
  exitWaitUs?: number;
  extra?: string[];
  timeoutMs?: number;
}

/** perfdhcp's figures per exchange, parsed by the benchmark's parser (one reading of its output). */
export type { PerfdhcpExchange };

export interface PerfdhcpResult {
  exitCode: number | null;
  argv: string[];
  output: string;
  /** perfdhcp's own "Rate:" figure (averaged over the whole run, exit wait included). */
  reportedRate: number;
  /** Keyed by perfdhcp's names: `DISCOVER-OFFER`, `REQUEST-ACK`. */
  exchanges: Record<string, PerfdhcpExchange>;
  /** Completed DORAs: REQUEST-ACK received. */
  doraCompleted: number;
  /** doraCompleted / seconds (the period asked for). */
  doraPerSecond: number;
  /** The worse of the two legs' "drops ratio" (perfdhcp's own figure, the one -D compares). */
  dropsPercent: number;
}

export { parsePerfdhcpOutput };

/** Runs perfdhcp to completion and returns its figures (throws if it printed none). */
export async function runPerfdhcp(topo: DhcpTopology, opts: PerfdhcpOptions): Promise<PerfdhcpResult> {
  const perfdhcp = requireDhcpPeer('perfdhcp');
  const relayed = opts.relayed ?? true;
  const args = ['-4', '-r', String(opts.rate), '-R', String(opts.clients), '-p', String(opts.seconds), '-W', String(opts.exitWaitUs ?? 1_000_000)];
  if (opts.maxDrop !== undefined) args.push('-D', opts.maxDrop);
  args.push(...(opts.extra ?? []));
  let role: DhcpRole;
  if (!relayed) {
    if (topo.mode !== 'direct') throw new Error('broadcast perfdhcp needs a direct topology');
    role = 'client';
    args.push('-B', '-l', topo.interfaces.client);
  } else if (topo.mode === 'relay') {
    if (topo.running().some((p) => p.name === 'dhcrelay')) throw new Error('stop dhcrelay first: relayed perfdhcp takes port 67 in the relay namespace');
    role = 'relay';
    // Not the giaddr on the client-side interface: perfdhcp would send out of that interface.
    // A /32 keeps the relay namespace's route to the client segment on the client side.
    const local = `${topo.clientNet}.254`;
    topo.exec('relay', [requireDhcpPeer('ip'), 'addr', 'replace', `${local}/32`, 'dev', topo.interfaces.relayUp!]);
    args.push('-l', local, topo.serverAddress);
  } else {
    role = 'client';
    const local = `${topo.clientNet}.250`;
    topo.exec('client', [requireDhcpPeer('ip'), 'addr', 'replace', `${local}/24`, 'dev', topo.interfaces.client]);
    args.push('-l', local, topo.serverAddress);
  }
  const argv = [perfdhcp, ...args];
  const proc = topo.spawn(role, 'perfdhcp', argv);
  const limit = opts.timeoutMs ?? (opts.seconds + 30) * 1000;
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), limit);
  const exitCode = await proc.exited;
  clearTimeout(timer);
  const output = proc.output();
  const parsed = parsePerfdhcpOutput(output);
  const doOffer = parsed.exchanges['DISCOVER-OFFER'];
  const reqAck = parsed.exchanges['REQUEST-ACK'];
  if (doOffer === undefined || reqAck === undefined) throw new Error(`perfdhcp printed no statistics (exit ${String(exitCode)}):\n${output}`);
  return {
    exitCode,
    argv,
    output,
    ...parsed,
    doraCompleted: reqAck.received,
    doraPerSecond: reqAck.received / opts.seconds,
    dropsPercent: Math.max(doOffer.dropsPercent, reqAck.dropsPercent),
  };
}

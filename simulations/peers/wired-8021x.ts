/**
 * A real wired 802.1X port for integration tests: hostapd (driver=wired) as the authenticator and
 * wpa_supplicant as the supplicant, on a veth pair of the test's own.
 *
 * Topology: hostapd runs in the ROOT namespace on one end of the pair, so its RADIUS client
 * reaches a server on 127.0.0.1 directly and its DAS listener (RFC 5176 Disconnect) is reachable
 * on 127.0.0.1; wpa_supplicant runs in a fresh namespace on the other end, so each port is a
 * machine of its own with its own MAC. No IP addresses are put on the pair: EAPOL is layer 2.
 *
 * Both daemons run with -dd, and everything they print is kept: hostapd's dump shows every RADIUS
 * packet attribute by attribute (see parseRadiusDump), which is how tests see what the RADIUS
 * server actually sent (e.g. Tunnel-Private-Group-Id) as the NAS received it.
 *
 * Needs root and the Debian packages hostapd, wpasupplicant, iproute2 and util-linux; a missing
 * one fails the caller with the package name (never skips).
 */
import { mustRun, runCommand } from './run-command.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WiredPortOptions {
  /** hostapd's RADIUS server (authentication; accounting too when acctPort is given). */
  radius: { address: string; port: number; secret: string; acctPort?: number };
  /**
   * hostapd's Dynamic Authorization (DAS) listener. It binds 0.0.0.0:port in the root namespace.
   * hostapd accepts one client address only, and it must be the source address of the requests
   * (for a RADIUS server sending from loopback: 127.0.0.1). With requireMessageAuthenticator or
   * requireEventTimestamp, a request lacking the attribute is dropped silently (no NAK).
   */
  das?: { port: number; clientAddress: string; secret: string; requireMessageAuthenticator?: boolean; requireEventTimestamp?: boolean };
  /**
   * Lines of wpa_supplicant's network block besides key_mgmt, e.g.
   * `['eap=MD5', 'identity="bob"', 'password="..."']`, or for EAP-TLS
   * `['eap=TLS', 'identity="host/x"', 'ca_cert="/path"', 'client_cert="/path"', 'private_key="/path"']`.
   */
  supplicant: string[];
  /**
   * The supplicant's MAC (colon form). Default: a fresh random locally-administered unicast MAC
   * per port, because after a failed authentication the supplicant holds for 60 s (heldPeriod),
   * and because the RADIUS server may remember a MAC.
   */
  supplicantMac?: string;
  /** hostapd's NAS-Identifier (default `kenneki-test-nas`). */
  nasIdentifier?: string;
  /** How long to wait for each daemon to come up (default 10 s). */
  startTimeoutMs?: number;
}

export type WiredDaemon = 'hostapd' | 'supplicant';

/** Both logs' lengths at one moment: take one before re-triggering an event seen before. */
export interface LogMark {
  hostapd: number;
  supplicant: number;
}

export interface WaitForOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /**
   * Only lines starting at or after this log offset (from logOffset()) count. Default 0: the whole
   * log, so an event that already happened matches at once. Take an offset before re-triggering
   * something that has happened before (reauthenticate, a second Disconnect).
   */
  from?: number;
}

/** One attribute as hostapd's -dd dump printed it. */
export interface DumpedAttribute {
  type: number;
  /** hostapd's name for it (`Tunnel-Private-Group-Id`, `?Unknown?`). */
  name: string;
  /** On-the-wire length, header included. */
  length: number;
  /**
   * As printed: text attributes without the quotes hostapd puts around them (User-Name: `bob`),
   * integers in decimal, addresses dotted, and everything else (Tunnel-*, EAP-Message, VSAs) as
   * lowercase hex. Undefined when hostapd prints no value.
   */
  value: string | undefined;
}

/** One RADIUS packet from hostapd's -dd dump (sent or received, auth, accounting or DAS). */
export interface DumpedRadiusMessage {
  code: number;
  /** `Access-Accept`, `Disconnect-Request`, ... as hostapd names it. */
  codeName: string;
  identifier: number;
  attributes: DumpedAttribute[];
  /** The first attribute of that name, if any. */
  get(name: string): DumpedAttribute | undefined;
}

/** What an Access-Accept asked the port to do, decoded from the dump. */
export interface AcceptSummary {
  message: DumpedRadiusMessage;
  /** Tunnel-Private-Group-Id as text (the RFC 2868 tag byte, if any, removed), e.g. `"42"`. */
  tunnelPrivateGroupId: string | undefined;
  /** Tunnel-Type without its tag, e.g. 13 (VLAN). */
  tunnelType: number | undefined;
  /** Tunnel-Medium-Type without its tag, e.g. 6 (IEEE-802). */
  tunnelMediumType: number | undefined;
}

export interface WiredPort {
  /** Lowercase colon form, e.g. `02:1a:...`. hostapd reports it as Calling-Station-Id `02-1A-...`. */
  supplicantMac: string;
  /** The authenticator's MAC (hostapd's end of the pair); Called-Station-Id is `XX-XX-...:`. */
  authenticatorMac: string;
  /** What hostapd sends as NAS-IP-Address (own_ip_addr). */
  nasIpAddress: string;
  nasIdentifier: string;
  /** Interface names: hostapd's (root namespace) and the supplicant's (inside `namespace`). */
  authenticatorInterface: string;
  supplicantInterface: string;
  namespace: string;
  /** Calling-Station-Id as hostapd sends it: uppercase, dashed (`02-1A-2B-3C-4D-5E`). */
  callingStationId: string;
  /** Called-Station-Id as hostapd sends it: the authenticator's MAC, then `:` and the (empty) SSID. */
  calledStationId: string;
  hostapdLog(): string;
  supplicantLog(): string;
  /** The current length of a log, to pass as WaitForOptions.from. */
  logOffset(who: WiredDaemon): number;
  /**
   * Resolves with the first complete log line matching `pattern`; rejects on timeout or when the
   * daemon exits first, with the log's tail. A number is taken as the timeout.
   */
  waitFor(who: WiredDaemon, pattern: RegExp, opts?: number | WaitForOptions): Promise<string>;
  /** Both logs' current lengths. */
  mark(): LogMark;
  /**
   * Supplicant CTRL-EVENT-EAP-SUCCESS, then hostapd `AP-STA-CONNECTED <mac>`, both after `since`
   * (default: from the start). A number is taken as the timeout (default 10 s, each).
   */
  waitForAuthorized(opts?: number | { timeoutMs?: number; since?: LogMark }): Promise<void>;
  /** Every RADIUS packet hostapd has dumped so far, in order. */
  radiusMessages(): DumpedRadiusMessage[];
  /** The last Access-Accept hostapd received, decoded; undefined if none yet. */
  lastAccessAccept(): AcceptSummary | undefined;
  /** Runs `wpa_cli -p <ctrl> -i <if> <args...>` and resolves with its output. */
  wpaCli(args: string[]): Promise<string>;
  /**
   * `wpa_cli reauthenticate`: the supplicant sends EAPOL-Start now. Needed after a Disconnect,
   * which the supplicant does not notice by itself (the wired driver filters nothing).
   */
  reauthenticate(): Promise<void>;
  /** Stops both daemons by PID, deletes the namespace (and so the pair) and the temp dir. Idempotent. */
  close(): Promise<void>;
}

const HOSTAPD = '/usr/sbin/hostapd';
const WPA_SUPPLICANT = '/usr/sbin/wpa_supplicant';
const WPA_CLI = '/usr/sbin/wpa_cli';
const SETPRIV = '/usr/bin/setpriv';
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));

const BINARIES: { path: string | undefined; name: string; pkg: string }[] = [
  { path: HOSTAPD, name: 'hostapd', pkg: 'hostapd' },
  { path: WPA_SUPPLICANT, name: 'wpa_supplicant', pkg: 'wpasupplicant' },
  { path: WPA_CLI, name: 'wpa_cli', pkg: 'wpasupplicant' },
  { path: IP, name: 'ip', pkg: 'iproute2' },
  // setpriv gives each daemon a parent-death signal, see spawnDaemon.
  { path: SETPRIV, name: 'setpriv', pkg: 'util-linux' },
];

/** Fails (never skips) when a tool is missing, naming the Debian package to install. */
export function requireWired8021x(): void {
  const missing = BINARIES.filter((b) => b.path === undefined || !existsSync(b.path));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((b) => b.pkg))];
    throw new Error(`${missing.map((b) => b.path ?? b.name).join(', ')} not found: install the Debian package(s) ${pkgs.join(' ')}`);
  }
}

/** A random locally-administered unicast MAC, lowercase colon form. */
export function randomLocalMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfc) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

// ---------------------------------------------------------------------------------------------
// Cleanup when the test process ends without close(): the daemons get a parent-death signal
// (setpriv) on a hard death, and on a normal exit this kills them and deletes the namespaces.

const liveChildren = new Set<ChildProcess>();
const liveNamespaces = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
    for (const ns of liveNamespaces) {
      try {
        execFileSync(IP!, ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Daemon output

/** Keeps everything a daemon prints and serves line waits on it. */
class DaemonOutput {
  text = '';
  exited = false;
  private readonly listeners = new Set<() => void>();

  constructor(readonly name: string) {}

  append(chunk: string): void {
    this.text += chunk;
    this.notify();
  }

  markExited(): void {
    this.exited = true;
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  tail(n = 6_000): string {
    return this.text.length > n ? `…${this.text.slice(-n)}` : this.text;
  }

  waitFor(pattern: RegExp, from: number, timeoutMs: number): Promise<string> {
    // A global or sticky regex carries lastIndex between test() calls; match statelessly.
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return new Promise((resolve, reject) => {
      let scanned = from;
      // An offset inside a line (output arrives in arbitrary chunks) belongs to that line, which
      // began before the offset was taken: start at the next line.
      let midLine = from > 0 && this.text[from - 1] !== '\n';
      const check = () => {
        if (midLine) {
          const nl = this.text.indexOf('\n', scanned);
          if (nl !== -1) {
            scanned = nl + 1;
            midLine = false;
          }
        }
        const end = midLine ? scanned : this.text.lastIndexOf('\n') + 1; // complete lines only
        if (end > scanned) {
          const lines = this.text.slice(scanned, end).split('\n');
          scanned = end;
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined) {
            done();
            resolve(hit);
            return;
          }
        }
        if (this.exited) {
          done();
          reject(new Error(`${this.name} exited before a line matching ${pattern}; its output:\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from ${this.name}; its output:\n${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }
}

interface Daemon {
  child: ChildProcess;
  out: DaemonOutput;
  exited: Promise<void>;
}

/** Spawns argv (which must exec the daemon itself, so that child.pid is the daemon's PID). */
function spawnDaemon(name: string, argv: string[]): Daemon {
  installExitHook();
  // setpriv execs the rest (same PID) with PR_SET_PDEATHSIG, which survives the exec by
  // `ip netns exec`, so a SIGKILLed test worker takes its daemons along.
  const child = spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const out = new DaemonOutput(name);
  child.stdout!.on('data', (d: Buffer) => out.append(d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => out.append(d.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    const finish = (why: string) => {
      liveChildren.delete(child);
      if (!out.exited) {
        out.append(`\n[${name} ${why}]\n`);
        out.markExited();
      }
      resolve();
    };
    // 'close' rather than 'exit': all output has been read by then.
    child.once('close', (code, signal) => finish(`exited: code ${code}, signal ${signal}`));
    child.once('error', (e) => finish(`failed to start: ${e.message}`));
  });
  return { child, out, exited };
}

async function stopDaemon(d: Daemon | undefined): Promise<void> {
  if (d === undefined) return;
  if (!d.out.exited) {
    d.child.kill('SIGTERM');
    const timer = setTimeout(() => d.child.kill('SIGKILL'), 3_000);
    await d.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// hostapd's -dd RADIUS dump

const MESSAGE_RE = /^RADIUS message: code=(\d+) \(([^)]*)\) identifier=(\d+) length=\d+$/;
const ATTRIBUTE_RE = /^\s+Attribute (\d+) \((.*)\) length=(\d+)$/;
const VALUE_RE = /^\s+Value: (.*)$/;

/**
 * Every RADIUS packet in a hostapd -dd log, in order: hostapd prints a header line
 * `RADIUS message: code=2 (Access-Accept) identifier=1 length=65` and then, per attribute,
 * `   Attribute 81 (Tunnel-Private-Group-Id) length=4` and usually `      Value: 3432`.
 */
export function parseRadiusDump(log: string): DumpedRadiusMessage[] {
  const messages: DumpedRadiusMessage[] = [];
  let current: DumpedRadiusMessage | undefined;
  for (const line of log.split('\n')) {
    const header = MESSAGE_RE.exec(line);
    if (header) {
      const attributes: DumpedAttribute[] = [];
      current = {
        code: Number(header[1]),
        codeName: header[2]!,
        identifier: Number(header[3]),
        attributes,
        get: (name) => attributes.find((a) => a.name === name),
      };
      messages.push(current);
      continue;
    }
    if (current === undefined) continue;
    const attr = ATTRIBUTE_RE.exec(line);
    if (attr) {
      current.attributes.push({ type: Number(attr[1]), name: attr[2]!, length: Number(attr[3]), value: undefined });
      continue;
    }
    const value = VALUE_RE.exec(line);
    const last = current.attributes.at(-1);
    if (value && last !== undefined && last.value === undefined) {
      const v = value[1]!;
      last.value = v.length >= 2 && v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1) : v;
      continue;
    }
    current = undefined; // any other line ends the dump
  }
  return messages;
}

/** A tagged (RFC 2868) string attribute printed as hex: text without the tag byte. */
function taggedText(hex: string | undefined): string | undefined {
  if (hex === undefined || !/^(?:[0-9a-f]{2})*$/i.test(hex)) return hex;
  const bytes = Buffer.from(hex, 'hex');
  // A first octet 0x01-0x1f is a tag; 0x00 is "no tag" when a sender includes it anyway.
  return (bytes.length > 0 && bytes[0]! <= 0x1f ? bytes.subarray(1) : bytes).toString('utf8');
}

/** A tagged (RFC 2868) integer attribute printed as 8 hex digits: the value without the tag. */
function taggedInt(hex: string | undefined): number | undefined {
  if (hex === undefined || !/^[0-9a-f]{8}$/i.test(hex)) return undefined;
  return parseInt(hex, 16) & 0x00ff_ffff;
}

/** The last Access-Accept in a hostapd -dd log, with its VLAN attributes decoded. */
export function lastAccessAcceptIn(log: string): AcceptSummary | undefined {
  const message = parseRadiusDump(log).findLast((m) => m.code === 2);
  if (message === undefined) return undefined;
  return {
    message,
    tunnelPrivateGroupId: taggedText(message.get('Tunnel-Private-Group-Id')?.value),
    tunnelType: taggedInt(message.get('Tunnel-Type')?.value),
    tunnelMediumType: taggedInt(message.get('Tunnel-Medium-Type')?.value),
  };
}

// ---------------------------------------------------------------------------------------------

function hostapdConf(o: WiredPortOptions, iface: string, ctrlDir: string, nasIdentifier: string): string {
  const { radius, das } = o;
  return [
    `interface=${iface}`,
    'driver=wired',
    `ctrl_interface=${ctrlDir}`,
    // Everything to stdout: the -dd dump is what tests read.
    'logger_stdout=-1',
    'logger_stdout_level=0',
    'logger_syslog=0',
    'ieee8021x=1',
    'eapol_version=2',
    // EAPOL to 01:80:c2:00:00:03, as a switch port does; the supplicant sends there too.
    'use_pae_group_addr=1',
    // No periodic re-authentication: a test triggers it explicitly.
    'eap_reauth_period=0',
    // dynamic_vlan must stay unset: with the wired driver hostapd refuses an Accept carrying a
    // VLAN when it is on. The VLAN is read from the dump instead (lastAccessAccept).
    `auth_server_addr=${radius.address}`,
    `auth_server_port=${radius.port}`,
    `auth_server_shared_secret=${radius.secret}`,
    ...(radius.acctPort !== undefined
      ? [`acct_server_addr=${radius.address}`, `acct_server_port=${radius.acctPort}`, `acct_server_shared_secret=${radius.secret}`]
      : []),
    'own_ip_addr=127.0.0.1',
    `nas_identifier=${nasIdentifier}`,
    ...(das !== undefined
      ? [
          `radius_das_port=${das.port}`,
          `radius_das_client=${das.clientAddress} ${das.secret}`,
          ...(das.requireMessageAuthenticator ? ['radius_das_require_message_authenticator=1'] : []),
          ...(das.requireEventTimestamp ? ['radius_das_require_event_timestamp=1'] : []),
        ]
      : []),
    '',
  ].join('\n');
}

function supplicantConf(o: WiredPortOptions, ctrlDir: string): string {
  return [
    `ctrl_interface=${ctrlDir}`,
    // No scanning: on a wire the "association" is immediate.
    'ap_scan=0',
    'eapol_version=2',
    'network={',
    '  key_mgmt=IEEE8021X',
    ...o.supplicant.map((l) => `  ${l}`),
    '}',
    '',
  ].join('\n');
}

function dashed(mac: string): string {
  return mac.replace(/:/g, '-').toUpperCase();
}

function toOptions(opts: number | WaitForOptions | undefined): WaitForOptions {
  return typeof opts === 'number' ? { timeoutMs: opts } : (opts ?? {});
}

/**
 * Creates a veth pair and a namespace, starts hostapd (waiting for AP-ENABLED) and wpa_supplicant
 * (waiting until its interface is added). Authentication then starts by itself: the supplicant
 * sends EAPOL-Start about 2 s later; wait for it with waitForAuthorized() or waitFor().
 * Always `await port.close()`, e.g. in afterEach/afterAll.
 */
export async function startWiredPort(o: WiredPortOptions): Promise<WiredPort> {
  requireWired8021x();
  const ip = IP!;
  installExitHook();
  const startTimeoutMs = o.startTimeoutMs ?? 10_000;
  const supplicantMac = (o.supplicantMac ?? randomLocalMac()).toLowerCase();
  if (!/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/.test(supplicantMac)) throw new Error(`supplicantMac ${o.supplicantMac} is not a colon-form MAC`);
  const authenticatorMac = randomLocalMac();
  const nasIdentifier = o.nasIdentifier ?? 'kenneki-test-nas';
  // Random names: other runs (other pid namespaces too) may share this kernel. 15 chars max.
  const tag = randomBytes(5).readUIntBE(0, 5).toString(36).padStart(8, '0').slice(-8);
  const namespace = `kk8x-${tag}`;
  const authIf = `kxa${tag}`;
  const suppIf = `kxs${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-8021x-'));
  const hostapdCtrl = join(dir, 'hostapd');
  const supplicantCtrl = join(dir, 'wpa');

  let hostapd: Daemon | undefined;
  let supplicant: Daemon | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.all([stopDaemon(supplicant), stopDaemon(hostapd)]);
      // The pair first: deleting a namespace frees its devices asynchronously, so the root end
      // would linger for a moment after `netns del` alone.
      await runCommand(ip, ['link', 'del', authIf]);
      await runCommand(ip, ['netns', 'del', namespace]);
      liveNamespaces.delete(namespace);
      rmSync(dir, { recursive: true, force: true });
    })());

  try {
    liveNamespaces.add(namespace);
    await mustRun(ip, ['netns', 'add', namespace]);
    await mustRun(ip, ['link', 'add', authIf, 'address', authenticatorMac, 'type', 'veth', 'peer', 'name', suppIf, 'address', supplicantMac, 'netns', namespace]);
    await Promise.all([
      mustRun(ip, ['link', 'set', authIf, 'up']),
      mustRun(ip, ['-n', namespace, 'link', 'set', suppIf, 'up']),
      mustRun(ip, ['-n', namespace, 'link', 'set', 'lo', 'up']),
    ]);

    const hostapdConfFile = join(dir, 'hostapd.conf');
    writeFileSync(hostapdConfFile, hostapdConf(o, authIf, hostapdCtrl, nasIdentifier));
    hostapd = spawnDaemon('hostapd', [HOSTAPD, '-dd', hostapdConfFile]);
    await hostapd.out.waitFor(new RegExp(`^${authIf}: AP-ENABLED`), 0, startTimeoutMs);

    const supplicantConfFile = join(dir, 'wpa_supplicant.conf');
    writeFileSync(supplicantConfFile, supplicantConf(o, supplicantCtrl));
    supplicant = spawnDaemon('wpa_supplicant', [ip, 'netns', 'exec', namespace, WPA_SUPPLICANT, '-dd', '-D', 'wired', '-i', suppIf, '-c', supplicantConfFile]);
    await supplicant.out.waitFor(new RegExp(`^${suppIf}: Added interface ${suppIf}`), 0, startTimeoutMs);
  } catch (e) {
    await close();
    throw e;
  }

  const h = hostapd;
  const s = supplicant;
  const outputOf = (who: WiredDaemon) => (who === 'hostapd' ? h.out : s.out);
  const waitFor = (who: WiredDaemon, pattern: RegExp, opts?: number | WaitForOptions): Promise<string> => {
    const { timeoutMs = 10_000, from = 0 } = toOptions(opts);
    return outputOf(who).waitFor(pattern, from, timeoutMs);
  };
  const wpaCli = async (args: string[]): Promise<string> => {
    // The control socket is a path-named Unix socket, so wpa_cli reaches it from any namespace.
    const r = await runCommand(WPA_CLI, ['-p', supplicantCtrl, '-i', suppIf, ...args], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`wpa_cli ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  return {
    supplicantMac,
    authenticatorMac,
    nasIpAddress: '127.0.0.1',
    nasIdentifier,
    authenticatorInterface: authIf,
    supplicantInterface: suppIf,
    namespace,
    callingStationId: dashed(supplicantMac),
    calledStationId: `${dashed(authenticatorMac)}:`,
    hostapdLog: () => h.out.text,
    supplicantLog: () => s.out.text,
    logOffset: (who) => outputOf(who).text.length,
    waitFor,
    mark: () => ({ hostapd: h.out.text.length, supplicant: s.out.text.length }),
    async waitForAuthorized(opts) {
      const { timeoutMs, since } = typeof opts === 'number' ? { timeoutMs: opts, since: undefined } : (opts ?? {});
      await waitFor('supplicant', /CTRL-EVENT-EAP-SUCCESS/, { timeoutMs, from: since?.supplicant ?? 0 });
      await waitFor('hostapd', new RegExp(`AP-STA-CONNECTED ${supplicantMac}`), { timeoutMs, from: since?.hostapd ?? 0 });
    },
    radiusMessages: () => parseRadiusDump(h.out.text),
    lastAccessAccept: () => lastAccessAcceptIn(h.out.text),
    wpaCli,
    async reauthenticate() {
      const out = await wpaCli(['reauthenticate']);
      if (out.trim() !== 'OK') throw new Error(`wpa_cli reauthenticate answered: ${out}`);
    },
    close,
  };
}

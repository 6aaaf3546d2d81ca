/**
 * The load and the checks the RADIUS MAB benchmark drives against any RADIUS server:
 *
 * - radclient load: N `radclient -f reqs_i.txt[:filter_i.txt] -c C -p P -q -s` processes, each
 *   over its own share of the MACs (so a pass over all MACs asks for each MAC once); with a
 *   filter file radclient checks every reply (code and all attributes) and counts failures;
 * - a latency probe: a Node UDP client sending timed MAB requests at a fixed rate (its own socket,
 *   signed with Message-Authenticator like the load) and checking each answer (Response
 *   Authenticator, Message-Authenticator, Access-Accept, the VLAN of that MAC's verdict);
 * - a sample checked by `radclient -x` (FreeRADIUS's own decoder, independent of Kenneki's codec).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getInteger, getTaggedInteger, getTaggedText, textAttribute, integerAttribute } from '../../../gateway/radius/codec/attributes.js';
import { encodeRequest, verifyMessageAuthenticator, verifyResponseAuthenticator } from '../../../gateway/radius/codec/authenticator.js';
import { attr, SERVICE_TYPE, TUNNEL_MEDIUM_TYPE, TUNNEL_TYPE } from '../../../gateway/radius/codec/dictionary.js';
import { hideUserPassword } from '../../../gateway/radius/codec/hiding.js';
import { decodePacket, RADIUS_CODE } from '../../../gateway/radius/codec/packet.js';
import { radclient, RADCLIENT } from '../../peers/radclient.js';
import { elapsedMs, onExit, processCpuSeconds, processTreeCpuSeconds, machineBusySeconds } from '../common.js';

export interface MabDevice {
  /** Canonical colon form, lower case. */
  mac: string;
  /** Bare lower-case hex: User-Name and User-Password. */
  bare: string;
  /** Cisco's Calling-Station-Id spelling: dashed, upper case. */
  station: string;
  vlan: string;
  quarantine: boolean;
}

export function requestLine(d: MabDevice): string {
  return `User-Name = "${d.bare}", User-Password = "${d.bare}", Calling-Station-Id = "${d.station}", Service-Type = Call-Check, NAS-Port = 7, Message-Authenticator = 0x00`;
}

/** What radclient must see in the reply: every attribute (radclient filters are strict). */
export function filterLine(d: MabDevice, quarantineSessionTimeout: number): string {
  const base = `Response-Packet-Type == Access-Accept, Tunnel-Type:0 == VLAN, Tunnel-Medium-Type:0 == IEEE-802, Tunnel-Private-Group-Id:0 == "${d.vlan}", Message-Authenticator =* 0x00`;
  return d.quarantine ? `${base}, Session-Timeout == ${quarantineSessionTimeout}, Termination-Action == RADIUS-Request` : base;
}

export interface LoadFiles {
  requests: string[];
  filters: string[];
}

/** One request file (and its filter file) per radclient process, MACs dealt round-robin. */
export function writeLoadFiles(dir: string, devices: MabDevice[], processes: number, quarantineSessionTimeout: number): LoadFiles {
  const files: LoadFiles = { requests: [], filters: [] };
  for (let p = 0; p < processes; p++) {
    const share = devices.filter((_, i) => i % processes === p);
    const req = join(dir, `reqs-${p}.txt`);
    const flt = join(dir, `filter-${p}.txt`);
    writeFileSync(req, share.map(requestLine).join('\n\n') + '\n');
    writeFileSync(flt, share.map((d) => filterLine(d, quarantineSessionTimeout)).join('\n\n') + '\n');
    files.requests.push(req);
    files.filters.push(flt);
  }
  return files;
}

export interface RadclientSummary {
  accepted: number;
  rejected: number;
  lost: number;
  passedFilter: number;
  failedFilter: number;
  /** Processes that exited non-zero (radclient does on any lost or failed-filter reply). */
  failedProcesses: number;
  /** The first lines of what a failing radclient printed. */
  errors: string[];
}

export interface LoadRun extends RadclientSummary {
  /** Requests radclient sent (files × count). */
  sent: number;
  wallS: number;
  serverCpuS: number;
  /** CPU of the radclient processes (this process's reaped children: cutime + cstime). */
  clientCpuS: number;
  machineBusyS: number;
}

/** CPU seconds of this process's children that have exited and been waited for. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime (16) and cstime (17) are fields[13] and fields[14]; USER_HZ is 100 on Linux.
  return (Number(f[13]) + Number(f[14])) / 100;
}

function parseSummary(out: string): Omit<RadclientSummary, 'failedProcesses' | 'errors'> {
  const n = (label: string) => Number(new RegExp(`${label}\\s*:\\s*(\\d+)`).exec(out)?.[1] ?? NaN);
  return { accepted: n('Accepted'), rejected: n('Rejected'), lost: n('Lost'), passedFilter: n('Passed filter'), failedFilter: n('Failed filter') };
}

/**
 * Runs one radclient per request file at once and waits for all; wall time is from the first
 * spawn to the last exit; server CPU from /proc/<serverPid>/stat around it.
 */
export async function radclientLoad(o: { server: string; secret: string; files: LoadFiles; perFile: number; count: number; parallel: number; filter: boolean; serverPid: number }): Promise<LoadRun> {
  const cpu0 = processTreeCpuSeconds(o.serverPid);
  const children0 = childrenCpuSeconds();
  const busy0 = machineBusySeconds();
  const t0 = process.hrtime.bigint();
  const runs = await Promise.all(
    o.files.requests.map(
      (file, i) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const f = o.filter ? `${file}:${o.files.filters[i]!}` : file;
          // -t 3 -r 1: one try; an unanswered request counts as Lost (no retransmission to muddle the duplicate caches).
          const child = spawn(RADCLIENT, ['-f', f, '-c', String(o.count), '-p', String(o.parallel), '-t', '3', '-r', '1', '-q', '-s', o.server, 'auth', o.secret], { stdio: ['ignore', 'pipe', 'pipe'] });
          const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
          onExit(kill);
          const guard = setTimeout(kill, 600_000);
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          child.once('error', (err) => {
            clearTimeout(guard);
            resolve({ code: -1, out: `${out}\n${err.message}` });
          });
          child.once('close', (code) => {
            clearTimeout(guard);
            resolve({ code, out });
          });
        }),
    ),
  );
  const wallS = elapsedMs(t0) / 1000;
  const serverCpuS = processTreeCpuSeconds(o.serverPid) - cpu0;
  const machineBusyS = machineBusySeconds() - busy0;
  const clientCpuS = childrenCpuSeconds() - children0;
  const sum: RadclientSummary = { accepted: 0, rejected: 0, lost: 0, passedFilter: 0, failedFilter: 0, failedProcesses: 0, errors: [] };
  for (const r of runs) {
    const s = parseSummary(r.out);
    if (Number.isNaN(s.accepted)) throw new Error(`radclient printed no summary (exit ${r.code}): ${r.out.slice(0, 500)}`);
    sum.accepted += s.accepted;
    sum.rejected += s.rejected;
    sum.lost += s.lost;
    sum.passedFilter += s.passedFilter || 0;
    sum.failedFilter += s.failedFilter || 0;
    if (r.code !== 0) {
      sum.failedProcesses++;
      sum.errors.push(
        ...r.out
          .split('\n')
          .filter((l) => l && !/^\s|Packet summary/.test(l))
          .slice(0, 3),
      );
    }
  }
  return { ...sum, sent: o.files.requests.length * o.perFile * o.count, wallS, serverCpuS, clientCpuS, machineBusyS };
}

// ---------------------------------------------------------------------------------------------
// Latency probe

export interface ProbeResult {
  sent: number;
  /** Round trips of correct answers, ms. */
  latencyMs: number[];
  /** Answers that were wrong (bad authenticator, not Accept, wrong VLAN…), with the first reasons. */
  wrong: number;
  wrongReasons: string[];
  /** No answer within the timeout. */
  lost: number;
  /** Of those, answered after the timeout (recognised by the timed-out request's authenticator). */
  late: number;
  /** Ticks skipped because all 256 Identifiers were in flight. */
  skipped: number;
}

interface InFlight {
  t0: bigint;
  device: MabDevice;
  authenticator: Buffer;
  timer: NodeJS.Timeout;
}

const USER_NAME = attr('User-Name');
const USER_PASSWORD = attr('User-Password');
const CALLING_STATION_ID = attr('Calling-Station-Id');
const SERVICE = attr('Service-Type');
const NAS_PORT = attr('NAS-Port');
const TUNNEL_PGID = attr('Tunnel-Private-Group-Id');
const TUNNEL_TYPE_A = attr('Tunnel-Type');
const TUNNEL_MEDIUM = attr('Tunnel-Medium-Type');
const SESSION_TIMEOUT = attr('Session-Timeout');

/** Checks one answer against what that MAC's verdict must give; undefined when right. */
export function checkAnswer(msg: Buffer, req: { authenticator: Buffer; device: MabDevice }, secret: string, quarantineSessionTimeout: number): string | undefined {
  if (!verifyResponseAuthenticator(msg, req.authenticator, secret)) return 'bad Response Authenticator';
  if (!verifyMessageAuthenticator(msg, secret, req.authenticator)) return 'no or bad Message-Authenticator';
  const p = decodePacket(msg);
  if (p.code !== RADIUS_CODE.ACCESS_ACCEPT) return `code ${p.code}, not Access-Accept`;
  const vlan = getTaggedText(p, TUNNEL_PGID)?.value;
  if (vlan !== req.device.vlan) return `${req.device.mac}: VLAN ${vlan ?? 'none'}, expected ${req.device.vlan}`;
  if (getTaggedInteger(p, TUNNEL_TYPE_A)?.value !== TUNNEL_TYPE.VLAN || getTaggedInteger(p, TUNNEL_MEDIUM)?.value !== TUNNEL_MEDIUM_TYPE['IEEE-802']) return 'Tunnel-Type / Tunnel-Medium-Type missing or wrong';
  const timeout = getInteger(p, SESSION_TIMEOUT);
  if (req.device.quarantine ? timeout !== quarantineSessionTimeout : timeout !== undefined) return `${req.device.mac}: Session-Timeout ${timeout ?? 'none'}`;
  return undefined;
}

/**
 * Sends `rate` MAB requests per second (MACs picked at random) until `stop()`; resolves when the
 * last request is answered or timed out. The parent process does nothing else meanwhile, so its
 * event loop adds little to the measured round trip.
 */
export function startProbe(o: { port: number; secret: string; devices: MabDevice[]; rate: number; timeoutMs?: number; quarantineSessionTimeout: number }): { stop: () => Promise<ProbeResult> } {
  const timeoutMs = o.timeoutMs ?? 5_000;
  const res: ProbeResult = { sent: 0, latencyMs: [], wrong: 0, wrongReasons: [], lost: 0, late: 0, skipped: 0 };
  // Authenticators of timed-out requests per Identifier: a late answer to one of them is "late",
  // not "wrong", when its Identifier has been reused since.
  const timedOut = new Map<number, Buffer[]>();
  const sock: Socket = createSocket('udp4');
  const closeSock = () => {
    try {
      sock.close();
    } catch {
      /* closed */
    }
  };
  onExit(closeSock);
  const inFlight = new Map<number, InFlight>();
  let nextId = 0;
  let bound = false;
  sock.bind(0, '127.0.0.1', () => (bound = true));
  sock.on('message', (msg) => {
    const t1 = process.hrtime.bigint();
    if (msg.length < 20) return;
    const id = msg[1]!;
    const late = () => {
      const olds = timedOut.get(id) ?? [];
      const i = olds.findIndex((a) => verifyResponseAuthenticator(msg, a, o.secret));
      if (i < 0) return false;
      olds.splice(i, 1);
      res.late++;
      return true;
    };
    const f = inFlight.get(id);
    if (!f) {
      if (!late()) {
        res.wrong++;
        if (res.wrongReasons.length < 5) res.wrongReasons.push(`an answer with Identifier ${id} to no request`);
      }
      return;
    }
    if (!verifyResponseAuthenticator(msg, f.authenticator, o.secret) && late()) return;
    inFlight.delete(id);
    clearTimeout(f.timer);
    const wrong = checkAnswer(msg, f, o.secret, o.quarantineSessionTimeout);
    if (wrong) {
      res.wrong++;
      if (res.wrongReasons.length < 5) res.wrongReasons.push(wrong);
    } else res.latencyMs.push(Number(t1 - f.t0) / 1e6);
  });
  const sendOne = () => {
    if (!bound) return;
    let id = -1;
    for (let k = 0; k < 256; k++) {
      const c = (nextId + k) & 0xff;
      if (!inFlight.has(c)) {
        id = c;
        break;
      }
    }
    if (id < 0) {
      res.skipped++;
      return;
    }
    nextId = (id + 1) & 0xff;
    const device = o.devices[Math.floor(Math.random() * o.devices.length)]!;
    const authenticator = randomBytes(16);
    const pkt = encodeRequest(
      {
        code: RADIUS_CODE.ACCESS_REQUEST,
        identifier: id,
        attributes: [
          textAttribute(USER_NAME, device.bare),
          { type: USER_PASSWORD.type, value: hideUserPassword(device.bare, o.secret, authenticator) },
          textAttribute(CALLING_STATION_ID, device.station),
          integerAttribute(SERVICE, SERVICE_TYPE['Call-Check']),
          integerAttribute(NAS_PORT, 7),
        ],
      },
      o.secret,
      { authenticator },
    );
    const timer = setTimeout(() => {
      if (inFlight.get(id)?.authenticator === authenticator) {
        inFlight.delete(id);
        res.lost++;
        const olds = timedOut.get(id) ?? [];
        olds.push(authenticator);
        timedOut.set(id, olds.slice(-8));
      }
    }, timeoutMs);
    inFlight.set(id, { t0: process.hrtime.bigint(), device, authenticator, timer });
    res.sent++;
    sock.send(pkt, o.port, '127.0.0.1');
  };
  // A fixed rate on a coarse timer: each tick sends what is due since the start.
  const started = process.hrtime.bigint();
  let due = 0;
  const tick = setInterval(() => {
    const want = Math.floor((elapsedMs(started) / 1000) * o.rate);
    while (due < want) {
      due++;
      sendOne();
    }
  }, 2);
  return {
    stop: async () => {
      clearInterval(tick);
      const deadline = Date.now() + timeoutMs + 500;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      closeSock();
      return res;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// radclient -x sample

export interface SampleCheck {
  checked: number;
  wrong: number;
  reasons: string[];
}

/** Sends `devices` one at a time with `radclient -x` and checks each printed reply. */
export async function radclientSample(server: string, secret: string, devices: MabDevice[], quarantineSessionTimeout: number): Promise<SampleCheck> {
  const r = await radclient({ server, command: 'auth', secret, requests: devices.map(requestLine).join('\n\n') + '\n', timeoutSeconds: 3, retries: 1 });
  const out: SampleCheck = { checked: devices.length, wrong: 0, reasons: [] };
  const fail = (why: string) => {
    out.wrong++;
    if (out.reasons.length < 5) out.reasons.push(why);
  };
  if (r.replies.length !== devices.length) fail(`${r.replies.length} replies to ${devices.length} requests (radclient exit ${r.code})`);
  for (const [i, d] of devices.entries()) {
    const reply = r.replies[i];
    if (!reply) continue;
    const a = reply.attributes;
    const want = ['Tunnel-Type:0 = VLAN', 'Tunnel-Medium-Type:0 = IEEE-802', `Tunnel-Private-Group-Id:0 = "${d.vlan}"`, ...(d.quarantine ? [`Session-Timeout = ${quarantineSessionTimeout}`, 'Termination-Action = RADIUS-Request'] : [])];
    if (reply.code !== 'Access-Accept') fail(`${d.mac}: ${reply.code}`);
    else if (!want.every((w) => a.includes(w))) fail(`${d.mac}: ${a.join(', ')}; expected ${want.join(', ')}`);
    else if (!a.some((x) => /^Message-Authenticator = 0x[0-9a-f]{32}$/.test(x))) fail(`${d.mac}: no Message-Authenticator`);
    else if (!d.quarantine && a.some((x) => x.startsWith('Session-Timeout'))) fail(`${d.mac}: Session-Timeout on a production placement`);
  }
  return out;
}

/**
 * The RADIUS server: authentication (MAB, EAP, PAP) on one UDP port, accounting on another.
 *
 * Every datagram goes through the same gate before any work is done for it:
 *   1. its source must be a configured NAS client;
 *   2. its length must be sane (20–4096 bytes, RFC 2865 §3);
 *   3. a retransmission is answered from the duplicate cache (RFC 5080);
 *   4. it must decode;
 *   5. Access-Request and Status-Server must carry a valid Message-Authenticator (BlastRADIUS);
 *      accounting must carry a valid Request Authenticator.
 * Anything that fails is dropped silently (RFC 2865 §3: a wrong secret gets no answer) and
 * counted by reason. A handler that throws is a drop too, never a crash: one bad packet must not
 * stop the port for every other switch.
 *
 * Admission answers from the admission index (the current decision, in memory); it never waits on
 * a directory or an agent.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import type { KennekiConfig } from '../../../policy/config/schema.js';
import type { Admission, AdmissionSource } from '../../../policy/service/admission.js';
import type { SessionRecorder, SessionTouch } from '../../sessions/session-table.js';
import { attribute, getInteger, getIpv4, getText, textAttribute, type AttributeRef } from '../codec/attributes.js';
import { encodeResponse, hasMessageAuthenticator, verifyMessageAuthenticator, verifyRequestAuthenticator } from '../codec/authenticator.js';
import { ACCT_STATUS_TYPE, attr } from '../codec/dictionary.js';
import { fragmentEap, reassembleEap } from '../codec/eap.js';
import { hideMppeKey, createSaltSource } from '../codec/hiding.js';
import { normalizeMac } from '../codec/mac.js';
import { decodePacket, RADIUS_CODE, RADIUS_HEADER_BYTES, RADIUS_MAX_PACKET_BYTES, type RadiusAttribute, type RadiusPacket } from '../codec/packet.js';
import type { RadiusMetrics, RadiusRequestKind } from '../metrics.js';
import { DuplicateCache, requestSlot } from './duplicate-cache.js';
import type { RadiusDropReason } from './drops.js';
import type { EapPort } from './eap-port.js';
import { checkMab } from './mab.js';
import type { NasClient, NasClientTable } from './nas-clients.js';
import { place, type Placement, type PlacementSettings } from './placement.js';
import { openPort, type PortSockets } from './port-group.js';

export interface RadiusServerOptions {
  host: string;
  authPort: number;
  acctPort: number;
  clients: NasClientTable;
  admission: AdmissionSource;
  sessions: SessionRecorder;
  placement: PlacementSettings;
  duplicateWindowMs: number;
  metrics: RadiusMetrics;
  log: Logger;
  eap?: EapPort;
  /** Finds the endpoint a device certificate names (EAP-TLS with a Kenneki device id). */
  admissionByDeviceId?: (tenantId: string, deviceId: string) => Promise<Admission | undefined>;
  /** A RADIUS worker process serves sockets the main process bound and passed to it. */
  sockets?: { auth: Socket; acct: Socket };
  /**
   * The main process with RADIUS workers: how many processes will read each port, so that each
   * gets a socket of its own where the kernel can spread a port (see port-group.ts).
   */
  readers?: number;
  /** With `readers`: the workers hold EAP conversations, so the auth port steers by State (and new logins by Calling-Station-Id). */
  steerByState?: boolean;
  /**
   * A RADIUS worker hands EAP requests to the process that holds their conversation: the main
   * process, or (when workers hold EAP themselves) the worker a State names. Called after the NAS
   * client check only; returns false to serve the request here.
   */
  forwardEap?: (msg: Buffer, r: RemoteInfo) => boolean;
}

/**
 * The settings `radius:` configures, the same in the main process and in every worker (the NAS
 * client table is built by each process from the same config).
 */
export function configuredSettings(r: KennekiConfig['radius'], clients: NasClientTable): Pick<RadiusServerOptions, 'host' | 'authPort' | 'acctPort' | 'clients' | 'placement' | 'duplicateWindowMs'> {
  return {
    host: r.host,
    authPort: r.auth_port,
    acctPort: r.acct_port,
    clients,
    placement: { unknownMac: r.unknown_mac, roles: r.roles, quarantineSessionTimeoutSeconds: r.quarantine_session_timeout_seconds },
    duplicateWindowMs: r.duplicate_window_seconds * 1000,
  };
}

/** What a handler decided: an answer to send, or a drop. */
type Outcome = { response: Buffer } | { drop: RadiusDropReason };

const A = {
  userName: attr('User-Name'),
  callingStationId: attr('Calling-Station-Id'),
  acctSessionId: attr('Acct-Session-Id'),
  acctStatusType: attr('Acct-Status-Type'),
  acctTerminateCause: attr('Acct-Terminate-Cause'),
  framedIp: attr('Framed-IP-Address'),
  nasPort: attr('NAS-Port'),
  nasPortId: attr('NAS-Port-Id'),
  state: attr('State'),
  eapMessage: attr('EAP-Message'),
  mppeRecv: attr('MS-MPPE-Recv-Key'),
  mppeSend: attr('MS-MPPE-Send-Key'),
};

export class RadiusServer {
  private auth: Socket | undefined;
  private acct: Socket | undefined;
  /** Every socket of each port (the first is `auth` / `acct`, which answers forwarded requests). */
  private ports: { auth: Socket[]; acct: Socket[] } | undefined;
  private whyShared: string | undefined;
  /** Datagrams read from this process's sockets (a worker reports it: how evenly ports spread). */
  private read = 0;
  private readonly duplicates: DuplicateCache;
  private readonly salt = createSaltSource();
  private readonly family: 'udp4' | 'udp6';

  constructor(private readonly o: RadiusServerOptions) {
    this.duplicates = new DuplicateCache(o.duplicateWindowMs);
    this.family = isIPv6(o.host) ? 'udp6' : 'udp4';
  }

  async start(): Promise<{ authPort: number; acctPort: number }> {
    if (this.o.sockets) {
      this.auth = this.attach(this.o.sockets.auth, 'auth');
      this.acct = this.attach(this.o.sockets.acct, 'acct');
      return { authPort: this.auth.address().port, acctPort: this.acct.address().port };
    }
    const auth = await this.open(this.o.authPort, this.o.steerByState === true);
    let acct: PortSockets;
    try {
      acct = await this.open(this.o.acctPort, false);
    } catch (err) {
      for (const s of auth.sockets) s.close();
      throw err;
    }
    this.ports = { auth: auth.sockets.map((s) => this.attach(s, 'auth')), acct: acct.sockets.map((s) => this.attach(s, 'acct')) };
    this.auth = this.ports.auth[0];
    this.acct = this.ports.acct[0];
    this.whyShared = auth.shared ?? acct.shared;
    return { authPort: this.auth!.address().port, acctPort: this.acct!.address().port };
  }

  async stop(): Promise<void> {
    const close = (s: Socket | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));
    const all = this.ports ? [...this.ports.auth, ...this.ports.acct] : [this.auth, this.acct];
    this.auth = this.acct = this.ports = undefined;
    await Promise.all(all.map(close));
  }

  /**
   * The bound sockets, for passing to RADIUS worker processes: one per reader of each port when
   * the kernel spreads the port over them, else one socket that every reader shares.
   */
  get sockets(): { auth: Socket[]; acct: Socket[] } | undefined {
    return this.ports;
  }

  /** Datagrams this process read from its own sockets so far (not those handed to it). */
  get datagramsRead(): number {
    return this.read;
  }

  /** Whether the auth port was asked to steer requests by their State (`steerByState`). */
  get steersByState(): boolean {
    return this.o.steerByState === true;
  }

  /** Why several readers share one socket per port (the native module is missing, ...). */
  get sharedBecause(): string | undefined {
    return this.whyShared;
  }

  /**
   * A datagram that reached this process other than through its own listener: an auth request a
   * worker handed over (see `forwardEap`), or one a worker read before its server was started.
   */
  receive(msg: Buffer, r: RemoteInfo, port: 'auth' | 'acct' = 'auth'): void {
    this.gate(msg, r, port === 'auth' ? this.auth : this.acct, port);
  }

  private attach(s: Socket, port: 'auth' | 'acct'): Socket {
    // The answer leaves through the socket the request came in on: any socket of the port would
    // do (they share the address), this one is at hand.
    s.on('message', (msg, r) => {
      this.read++;
      this.gate(msg, r, s, port);
    });
    s.on('error', (err) => this.o.log.error({ evt: 'RADIUS_SOCKET_ERROR', err }, 'RADIUS socket error'));
    return s;
  }

  private open(port: number, steerByState: boolean): Promise<PortSockets> {
    return openPort({ family: this.family, host: this.o.host, port, readers: this.o.readers ?? 1, bufferBytes: 4 * 1024 * 1024, steerByState });
  }

  // ---- the gate ------------------------------------------------------------------------------

  private gate(msg: Buffer, r: RemoteInfo, socket: Socket | undefined, port: 'auth' | 'acct'): void {
    const m = this.o.metrics;
    const client = this.o.clients.match(r.address);
    if (!client) return m.drop('unknown-client');
    if (msg.length < RADIUS_HEADER_BYTES || msg.length > RADIUS_MAX_PACKET_BYTES) return m.drop('bad-length');
    const code = msg[0]!;
    const expected = port === 'auth' ? code === RADIUS_CODE.ACCESS_REQUEST : code === RADIUS_CODE.ACCOUNTING_REQUEST;
    if (!expected && code !== RADIUS_CODE.STATUS_SERVER) return m.drop('unexpected-code');
    if (this.o.forwardEap && port === 'auth' && code === RADIUS_CODE.ACCESS_REQUEST && carriesEap(msg) && this.o.forwardEap(msg, r)) return;
    // Status-Server is never cached (RFC 5997 §3: each one is a fresh probe).
    const slot = code === RADIUS_CODE.STATUS_SERVER ? undefined : requestSlot(r.port, msg[1]!);
    const authenticator = msg.subarray(4, 20);
    if (slot !== undefined) {
      const seen = this.duplicates.check(r.address, slot, authenticator);
      if (seen.kind === 'answered') {
        m.duplicates.inc();
        return this.send(socket, seen.response, r);
      }
      if (seen.kind === 'in-progress') return m.drop('duplicate-in-progress');
    }
    // A double, not hrtime.bigint(): two BigInts per request showed in the MAB profile.
    const started = performance.now();
    const finish = (outcome: Outcome, kind: RadiusRequestKind): void => {
      if ('drop' in outcome) {
        if (slot !== undefined) this.duplicates.abandon(r.address, slot, authenticator);
        m.drop(outcome.drop);
        return;
      }
      if (slot !== undefined) this.duplicates.answered(r.address, slot, authenticator, outcome.response);
      this.send(socket, outcome.response, r);
      m.took(kind, (performance.now() - started) / 1000);
    };
    let packet: RadiusPacket;
    try {
      packet = decodePacket(msg);
    } catch {
      return finish({ drop: 'malformed' }, 'mab');
    }
    const authentic = this.authentic(msg, packet, client);
    if (authentic !== true) return finish({ drop: authentic }, 'mab');
    let kind: RadiusRequestKind = 'mab';
    try {
      if (code === RADIUS_CODE.STATUS_SERVER) {
        kind = 'status';
        return finish(this.status(packet, client, port), kind);
      }
      if (port === 'acct') {
        kind = 'accounting';
        return finish(this.accounting(packet, client, r.address), kind);
      }
      const answer = this.access(packet, client, r.address);
      if ('then' in answer) {
        answer.then(
          (o) => finish(o.outcome, o.kind),
          (err: unknown) => {
            this.o.log.error({ evt: 'RADIUS_HANDLER_FAILED', nas: client.name, err }, 'RADIUS request failed inside the server; dropped');
            finish({ drop: 'internal-error' }, kind);
          },
        );
        return;
      }
      return finish(answer.outcome, answer.kind);
    } catch (err) {
      this.o.log.error({ evt: 'RADIUS_HANDLER_FAILED', nas: client.name, err }, 'RADIUS request failed inside the server; dropped');
      return finish({ drop: 'internal-error' }, kind);
    }
  }

  /** Message-Authenticator for access and status requests; the Request Authenticator for accounting. */
  private authentic(msg: Buffer, p: RadiusPacket, client: NasClient): true | RadiusDropReason {
    const hasMa = hasMessageAuthenticator(p.attributes);
    if (p.code === RADIUS_CODE.ACCOUNTING_REQUEST) {
      if (!verifyRequestAuthenticator(msg, client.secret)) return 'bad-authenticator';
      return !hasMa || verifyMessageAuthenticator(msg, client.secret) ? true : 'bad-authenticator';
    }
    if (!hasMa) {
      // RFC 5997 §3 requires it on Status-Server from everyone; RFC 3579 on anything with EAP.
      const exempt = client.legacyNoMessageAuthenticator && p.code === RADIUS_CODE.ACCESS_REQUEST && !p.attributes.some((a) => a.type === A.eapMessage.type);
      return exempt ? true : 'no-message-authenticator';
    }
    return verifyMessageAuthenticator(msg, client.secret) ? true : 'bad-authenticator';
  }

  private send(socket: Socket | undefined, response: Buffer, r: RemoteInfo): void {
    socket?.send(response, r.port, r.address);
  }

  private respond(p: RadiusPacket, client: NasClient, code: (typeof RADIUS_CODE)[keyof typeof RADIUS_CODE], attributes: RadiusAttribute[]): Outcome {
    // Accounting-Response to an Accounting-Request goes without Message-Authenticator: RFC 2866
    // defines none, and the two peers that check one disagree on how (FreeRADIUS zeroes the
    // authenticator field, hostapd puts the request's there), so either way one of them drops the
    // answer and the NAS retransmits for ever. Its Response Authenticator already proves it.
    const bare = code === RADIUS_CODE.ACCOUNTING_RESPONSE && p.code === RADIUS_CODE.ACCOUNTING_REQUEST;
    return { response: encodeResponse({ code, identifier: p.identifier, attributes }, p.authenticator, client.secret, { messageAuthenticator: !bare }) };
  }

  // ---- Status-Server --------------------------------------------------------------------------

  private status(p: RadiusPacket, client: NasClient, port: 'auth' | 'acct'): Outcome {
    this.o.metrics.answered('status', 'response', 'none');
    return this.respond(p, client, port === 'auth' ? RADIUS_CODE.ACCESS_ACCEPT : RADIUS_CODE.ACCOUNTING_RESPONSE, []);
  }

  // ---- Access-Request -------------------------------------------------------------------------

  private access(p: RadiusPacket, client: NasClient, nasAddress: string): { outcome: Outcome; kind: RadiusRequestKind } | Promise<{ outcome: Outcome; kind: RadiusRequestKind }> {
    if (p.attributes.some((a) => a.type === A.eapMessage.type)) return this.eap(p, client, nasAddress).then((outcome) => ({ outcome, kind: 'eap' as const }));
    const mab = checkMab(p, client.secret);
    if (mab.kind === 'bad-mab') {
      this.o.log.info({ evt: 'RADIUS_MAB_REFUSED', nas: client.name, reason: mab.reason }, `MAB refused: ${mab.reason}`);
      this.o.metrics.answered('mab', 'reject', 'none');
      return { outcome: this.respond(p, client, RADIUS_CODE.ACCESS_REJECT, []), kind: 'mab' };
    }
    if (mab.kind === 'mab') {
      // A legacy NAS's request without a password or Message-Authenticator proves nothing.
      if (!mab.proven && !hasMessageAuthenticator(p.attributes)) return { outcome: { drop: 'bad-authenticator' }, kind: 'mab' };
      const cached = this.o.admission.peek(client.tenantId, mab.mac);
      if (cached) return { outcome: this.admit(p, client, nasAddress, mab.mac, cached, 'mab'), kind: 'mab' };
      return this.o.admission.lookup(client.tenantId, mab.mac).then(
        (a) => ({ outcome: this.admit(p, client, nasAddress, mab.mac, a, 'mab'), kind: 'mab' as const }),
        (err: unknown) => {
          // Fail closed: the store could not say, so the device gets what an unknown one gets.
          this.o.log.error({ evt: 'RADIUS_ADMISSION_FAILED', nas: client.name, err }, 'admission lookup failed; placing as unknown');
          return { outcome: this.admit(p, client, nasAddress, mab.mac, {}, 'mab'), kind: 'mab' as const };
        },
      );
    }
    // Plain PAP logins (VPN concentrators without EAP) are not served: an explicit Reject.
    this.o.log.info({ evt: 'RADIUS_UNSUPPORTED_REQUEST', nas: client.name }, 'Access-Request is neither MAB nor EAP; rejected');
    this.o.metrics.answered('pap', 'reject', 'none');
    return { outcome: this.respond(p, client, RADIUS_CODE.ACCESS_REJECT, []), kind: 'pap' };
  }

  /** Turns an admission into Accept (with placement) or Reject, and records the session. */
  private admit(p: RadiusPacket, client: NasClient, nasAddress: string, mac: string | undefined, admission: Admission, kind: 'mab' | 'eap', extra: RadiusAttribute[] = [], userName?: string): Outcome {
    const placement: Placement = place(admission, client, this.o.placement);
    this.o.metrics.answered(kind, placement.accept ? 'accept' : 'reject', placement.kind);
    if (!placement.accept) {
      this.o.log.info({ evt: 'RADIUS_REJECTED', nas: client.name, mac, endpointId: admission.endpointId, reason: placement.reason }, `Access-Reject: ${placement.reason}`);
      return this.respond(p, client, RADIUS_CODE.ACCESS_REJECT, extra.filter((a) => a.type === A.eapMessage.type));
    }
    // Built field by field: this runs on every Accept, and spreads of small objects add up.
    const touch: SessionTouch = { tenantId: client.tenantId, nas: client.name, nasAddress, placement: placement.kind };
    if (mac !== undefined) touch.mac = mac;
    const sessionId = getTextSafe(p, A.acctSessionId);
    if (sessionId !== undefined && sessionId !== '') touch.acctSessionId = sessionId;
    const user = userName ?? getTextSafe(p, A.userName);
    if (user !== undefined) touch.userName = user;
    const port = portOf(p);
    if (port !== undefined) touch.nasPort = port;
    if (placement.vlan !== undefined) touch.vlan = placement.vlan;
    this.o.sessions.authorized(touch);
    return this.respond(p, client, RADIUS_CODE.ACCESS_ACCEPT, [...placement.attributes, ...extra]);
  }

  // ---- EAP ------------------------------------------------------------------------------------

  private async eap(p: RadiusPacket, client: NasClient, nasAddress: string): Promise<Outcome> {
    const eap = reassembleEap(p.attributes);
    if (!this.o.eap || !eap) {
      this.o.metrics.answered('eap', 'reject', 'none');
      return this.respond(p, client, RADIUS_CODE.ACCESS_REJECT, []);
    }
    const station = getTextSafe(p, A.callingStationId);
    const mac = station !== undefined ? normalizeMac(station) : undefined;
    const state = p.attributes.find((a) => a.type === A.state.type)?.value;
    const answer = await this.o.eap.handle({ client, eap, ...(state ? { state: Buffer.from(state) } : {}), ...(mac !== undefined ? { mac } : {}) });
    switch (answer.kind) {
      case 'discard':
        this.o.log.debug({ evt: 'RADIUS_EAP_DISCARDED', nas: client.name, reason: answer.reason }, 'EAP request discarded');
        return { drop: 'eap' };
      case 'challenge':
        this.o.metrics.answered('eap', 'challenge', 'none');
        return this.respond(p, client, RADIUS_CODE.ACCESS_CHALLENGE, [...fragmentEap(answer.eap), { type: A.state.type, value: answer.state }]);
      case 'failure':
        this.o.metrics.answered('eap', 'reject', 'none');
        this.o.log.info({ evt: 'RADIUS_EAP_FAILED', nas: client.name, mac, reason: answer.reason }, `EAP failed: ${answer.reason}`);
        return this.respond(p, client, RADIUS_CODE.ACCESS_REJECT, fragmentEap(answer.eap));
      case 'success': {
        const found = await this.eapAdmission(client, mac, answer.deviceId);
        // A user only the fail mode vouches for gets quarantine at best, whatever the device's verdict.
        const admission: Admission = answer.held === true && found.endpointId !== undefined && found.verdict !== 'deny' ? { endpointId: found.endpointId, verdict: 'isolate' } : found;
        const extra: RadiusAttribute[] = [...fragmentEap(answer.eap), textAttribute(A.userName, answer.identity)];
        if (answer.msk && answer.msk.length >= 64) {
          extra.push(
            attribute(A.mppeRecv, hideMppeKey(answer.msk.subarray(0, 32), client.secret, p.authenticator, this.salt())),
            attribute(A.mppeSend, hideMppeKey(answer.msk.subarray(32, 64), client.secret, p.authenticator, this.salt())),
          );
        }
        return this.admit(p, client, nasAddress, mac, admission, 'eap', extra, answer.identity);
      }
    }
  }

  /** A device certificate naming a Kenneki device id decides the endpoint; else the calling MAC does. */
  private async eapAdmission(client: NasClient, mac: string | undefined, deviceId: string | undefined): Promise<Admission> {
    try {
      if (deviceId !== undefined && this.o.admissionByDeviceId) {
        // A certificate naming a device Kenneki no longer knows (deleted, other tenant) is an
        // unknown device, not whatever its MAC would get.
        return (await this.o.admissionByDeviceId(client.tenantId, deviceId)) ?? {};
      }
      return mac !== undefined ? await this.o.admission.lookup(client.tenantId, mac) : {};
    } catch (err) {
      this.o.log.error({ evt: 'RADIUS_ADMISSION_FAILED', nas: client.name, err }, 'admission lookup failed; placing as unknown');
      return {};
    }
  }

  // ---- Accounting -----------------------------------------------------------------------------

  private accounting(p: RadiusPacket, client: NasClient, nasAddress: string): Outcome {
    const status = getIntegerSafe(p, A.acctStatusType);
    const station = getTextSafe(p, A.callingStationId);
    const mac = station !== undefined ? normalizeMac(station) : undefined;
    const touch: SessionTouch = { tenantId: client.tenantId, nas: client.name, nasAddress };
    if (mac !== undefined) touch.mac = mac;
    const sessionId = getTextSafe(p, A.acctSessionId);
    if (sessionId !== undefined && sessionId !== '') touch.acctSessionId = sessionId;
    const user = getTextSafe(p, A.userName);
    if (user !== undefined && user !== '') touch.userName = user;
    const port = portOf(p);
    if (port !== undefined) touch.nasPort = port;
    const ip = getIpv4Safe(p, A.framedIp);
    if (ip !== undefined) touch.framedIp = ip;
    if (status === ACCT_STATUS_TYPE.Start) this.o.sessions.accounted(touch, 'start');
    else if (status === ACCT_STATUS_TYPE['Interim-Update']) this.o.sessions.accounted(touch, 'interim');
    else if (status === ACCT_STATUS_TYPE.Stop) {
      const cause = getIntegerSafe(p, A.acctTerminateCause);
      this.o.sessions.accounted(touch, 'stop', cause !== undefined ? `terminate-cause-${cause}` : 'stop');
    }
    this.o.metrics.answered('accounting', 'response', 'none');
    return this.respond(p, client, RADIUS_CODE.ACCOUNTING_RESPONSE, []);
  }
}

/**
 * True when the datagram has an EAP-Message attribute. A bare walk over the type/length pairs (it
 * runs on every auth datagram a worker gets); a malformed packet it misreads is forwarded or not,
 * and either way the process that decodes it drops it.
 */
function carriesEap(msg: Buffer): boolean {
  for (let at = RADIUS_HEADER_BYTES; at + 2 <= msg.length; at += msg[at + 1]!) {
    if (msg[at] === A.eapMessage.type) return true;
    if (msg[at + 1]! < 2) return false;
  }
  return false;
}

/** A value that does not decode (text not UTF-8, an integer not 4 bytes) reads as absent: it must not fail the request. */
const lenient =
  <T>(get: (p: RadiusPacket, ref: AttributeRef) => T | undefined) =>
  (p: RadiusPacket, ref: AttributeRef): T | undefined => {
    try {
      return get(p, ref);
    } catch {
      return undefined;
    }
  };
const getTextSafe = lenient(getText);
const getIntegerSafe = lenient(getInteger);
const getIpv4Safe = lenient(getIpv4);

/** NAS-Port-Id when given (the name the switch shows, e.g. Gi1/0/3), else NAS-Port's number. */
function portOf(p: RadiusPacket): string | undefined {
  const id = getTextSafe(p, A.nasPortId);
  if (id !== undefined && id !== '') return id;
  const n = getIntegerSafe(p, A.nasPort);
  return n !== undefined ? String(n) : undefined;
}

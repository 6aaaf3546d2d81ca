/**
 * The DHCP server: one UDP socket on port 67, relay-first (RFC 2131 §4.1, §4.3).
 *
 * Every datagram must decode as a BOOTREQUEST with a DHCP message type and an Ethernet client
 * address, and come from a segment a scope serves: the relay's link-selection address or giaddr
 * picks the scope, a unicast renewal (no relay) is placed by its ciaddr, and anything else belongs
 * to the direct scope if there is one. What fails is dropped and counted, never answered: a DHCP
 * server has no error reply, and answering garbage would only help a scanner.
 *
 * The pool comes from the verdict (steering.ts). A REQUEST for an address outside the pool the
 * verdict picks, a renewal after the verdict changed included, gets a NAK, and the client's
 * DISCOVER that follows is offered an address from the right pool.
 */
import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import type { Logger } from 'pino';
import type { Admission, AdmissionSource } from '../../../policy/service/admission.js';
import { inSubnet, ipv4ToInt } from '../../../policy/util/ipv4.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE, DHCP_MESSAGE_TYPE, DHCP_OP, ZERO_ADDRESS, clientMac, decodeDhcp, encodeDhcp, getClientIdentifier, isDhcpDecodeError, getHostName, getMessageType, getRequestedIp,
  getServerIdentifier, scopeSelector, type DhcpMessage, type DhcpMessageType,
} from '../codec/index.js';
import type { LeaseTable } from '../leases/lease-table.js';
import type { DhcpDropReason, DhcpMetrics } from '../metrics.js';
import { ack, destination, informAck, maxReplySize, nak, offer } from './reply.js';
import { ScopeIndex, type ServedPool, type ServedScope } from './scopes.js';
import { steer } from './steering.js';

export interface DhcpServerOptions {
  host: string;
  port: number;
  /** Option 54: this server's address as clients and relays reach it. */
  serverId: string;
  scopes: readonly ServedScope[];
  leases: LeaseTable;
  admission: AdmissionSource;
  unknownMac: 'quarantine' | 'registration' | 'ignore';
  metrics: DhcpMetrics;
  log: Logger;
}

type Outcome = { reply: DhcpMessage; pool: string } | { drop: DhcpDropReason };

/** Exhaustion is logged at most this often per pool; the metric counts every one. */
const EXHAUSTION_LOG_INTERVAL_MS = 10_000;

export class DhcpServer {
  private socket: Socket | undefined;
  private readonly index: ScopeIndex;
  private readonly directBroadcast: string;
  private readonly exhaustionLogged = new Map<string, number>();
  /** Checked once: the per-ACK debug line is built only when it will be written. */
  private readonly debug: boolean;

  constructor(private readonly o: DhcpServerOptions) {
    this.index = new ScopeIndex(o.scopes);
    this.directBroadcast = directBroadcastOf(o.scopes, o.serverId);
    this.debug = o.log.isLevelEnabled('debug');
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      // Replies only ever go to address literals (a relay's giaddr, a client's ciaddr, the
      // segment's broadcast), so the name lookup dgram does before every send is answered at
      // once instead of through dns.lookup and a nextTick per reply.
      const literal = (address: string, _family: unknown, done: (err: null, address: string, family: number) => void) => done(null, address, 4);
      const s = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024, lookup: literal as unknown as SocketOptions['lookup'] });
      s.once('error', reject);
      s.on('message', (msg, r) => this.onMessage(msg, r));
      s.bind(this.o.port, this.o.host, () => {
        s.off('error', reject);
        s.on('error', (err) => this.o.log.error({ evt: 'DHCP_SOCKET_ERROR', err }, 'DHCP socket error'));
        // Replies to clients without an address are broadcast on the segment.
        s.setBroadcast(true);
        this.socket = s;
        resolve(s.address().port);
      });
    });
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  private onMessage(msg: Buffer, r: RemoteInfo): void {
    let req: DhcpMessage;
    let type: DhcpMessageType | undefined;
    try {
      req = decodeDhcp(msg);
      type = getMessageType(req);
    } catch {
      return this.o.metrics.drop('malformed');
    }
    if (req.op !== DHCP_OP.BOOTREQUEST || type === undefined) return this.o.metrics.drop('not-a-request');
    this.o.metrics.receivedOne(type);
    this.handle(req, type)
      .then((outcome) => {
        if (!outcome) return;
        if ('drop' in outcome) return this.o.metrics.drop(outcome.drop);
        this.send(req, outcome.reply, outcome.pool);
      })
      .catch((err: unknown) => {
        // An option read only when needed (option 82's sub-options, say) can still be malformed:
        // the sender's fault, counted apart from undecodable datagrams, never an error line each.
        if (isDhcpDecodeError(err)) return this.o.metrics.drop('malformed-option');
        this.o.log.error({ evt: 'DHCP_HANDLER_FAILED', from: r.address, err }, 'DHCP request failed inside the server; dropped');
        this.o.metrics.drop('internal-error');
      });
  }

  /** What to do with one request; undefined for messages that never get a reply (RELEASE, DECLINE). */
  private async handle(req: DhcpMessage, type: DhcpMessageType): Promise<Outcome | undefined> {
    const mac = clientMac(req);
    if (mac === undefined) return { drop: 'not-ethernet' };
    // A relayed request is placed by its relay; a renewal comes unicast from the client, without
    // a relay, and its own address places it; anything else is from the direct segment.
    const relay = scopeSelector(req);
    const scope = relay !== undefined ? this.index.byAddress(relay) : ((req.ciaddr !== ZERO_ADDRESS ? this.index.byAddress(req.ciaddr) : undefined) ?? this.index.direct);
    if (!scope) return { drop: 'no-scope' };
    switch (type) {
      case DHCP_MESSAGE_TYPE.DISCOVER:
        return this.discover(req, scope, mac);
      case DHCP_MESSAGE_TYPE.REQUEST:
        return this.request(req, scope, mac);
      case DHCP_MESSAGE_TYPE.DECLINE:
        return this.decline(req, scope, mac);
      case DHCP_MESSAGE_TYPE.RELEASE:
        if (this.forAnotherServer(req)) return { drop: 'other-server' };
        await this.o.leases.release(scope.tenantId, scope.name, mac, req.ciaddr);
        return undefined;
      case DHCP_MESSAGE_TYPE.INFORM:
        return this.inform(req, scope, mac);
      default:
        return { drop: 'unexpected-type' };
    }
  }

  private async discover(req: DhcpMessage, scope: ServedScope, mac: string): Promise<Outcome> {
    const s = steer(await this.admission(scope, mac), scope, this.o.unknownMac);
    if ('refuse' in s) return { drop: s.refuse === 'deny' ? 'denied' : 'unknown-mac-ignored' };
    const pool = scope.pools.get(s.pool)!;
    const got = this.o.leases.offer(scope.tenantId, scope.name, mac, s.pool, requestedIp(req));
    if ('exhausted' in got || 'noPool' in got) {
      this.exhausted(scope, pool);
      return { drop: 'pool-exhausted' };
    }
    return { reply: offer(req, this.o.serverId, got.ip, pool), pool: s.pool };
  }

  private async request(req: DhcpMessage, scope: ServedScope, mac: string): Promise<Outcome | undefined> {
    const chosen = getServerIdentifier(req);
    // SELECTING a lease another server offered: ours (if any) simply expires.
    if (chosen !== undefined && chosen !== this.o.serverId) return { drop: 'other-server' };
    const ip = chosen === undefined && req.ciaddr !== ZERO_ADDRESS ? req.ciaddr : requestedIp(req);
    if (ip === undefined) return { drop: 'no-lease' };
    const s = steer(await this.admission(scope, mac), scope, this.o.unknownMac);
    if ('refuse' in s) {
      // A denied client loses its address; an ignored unknown MAC gets silence, as at DISCOVER.
      return s.refuse === 'deny' ? { reply: nak(req, this.o.serverId, 'access denied'), pool: 'none' } : { drop: 'unknown-mac-ignored' };
    }
    const pool = scope.pools.get(s.pool)!;
    const held = ScopeIndex.poolOf(scope, ip);
    if (held?.name !== s.pool) {
      this.o.log.info({ evt: 'DHCP_STEERED', tenantId: scope.tenantId, scope: scope.name, mac, ip, from: held?.name ?? 'none', to: s.pool, reason: s.reason }, `DHCPNAK for ${ip}: ${s.reason}, the address must come from the ${s.pool} pool`);
      return { reply: nak(req, this.o.serverId, `address not in the ${s.pool} pool (${s.reason})`), pool: s.pool };
    }
    const bound = await this.o.leases.bind(scope.tenantId, scope.name, mac, s.pool, ip, extras(req));
    if ('refused' in bound) return { reply: nak(req, this.o.serverId, bound.refused === 'taken' ? 'address in use' : 'address not available'), pool: s.pool };
    if (this.debug) this.o.log.debug({ evt: 'DHCP_LEASE_BOUND', tenantId: scope.tenantId, scope: scope.name, mac, ip, pool: s.pool }, `DHCPACK ${ip} to ${mac} (${s.pool})`);
    return { reply: ack(req, this.o.serverId, ip, pool), pool: s.pool };
  }

  private async decline(req: DhcpMessage, scope: ServedScope, mac: string): Promise<undefined | Outcome> {
    if (this.forAnotherServer(req)) return { drop: 'other-server' };
    const ip = requestedIp(req);
    if (ip === undefined) return { drop: 'no-lease' };
    if (await this.o.leases.decline(scope.tenantId, scope.name, mac, ip)) {
      this.o.log.warn({ evt: 'DHCP_ADDRESS_DECLINED', tenantId: scope.tenantId, scope: scope.name, mac, ip }, `${mac} declined ${ip}: another host uses it; held back`);
    }
    return undefined;
  }

  private async inform(req: DhcpMessage, scope: ServedScope, mac: string): Promise<Outcome> {
    if (req.ciaddr === ZERO_ADDRESS) return { drop: 'no-lease' };
    const s = steer(await this.admission(scope, mac), scope, this.o.unknownMac);
    const pool = ScopeIndex.poolOf(scope, req.ciaddr);
    // Configuration for the pool the address is in, and only when the verdict puts the client there.
    if ('refuse' in s || !pool || pool.name !== s.pool) return { drop: 'no-lease' };
    return { reply: informAck(req, this.o.serverId, pool), pool: pool.name };
  }

  /** A RELEASE or DECLINE that names another server's identifier is not ours to act on. */
  private forAnotherServer(req: DhcpMessage): boolean {
    const id = getServerIdentifier(req);
    return id !== undefined && id !== this.o.serverId;
  }

  private async admission(scope: ServedScope, mac: string): Promise<Admission> {
    const cached = this.o.admission.peek(scope.tenantId, mac);
    if (cached) return cached;
    try {
      return await this.o.admission.lookup(scope.tenantId, mac);
    } catch (err) {
      // Fail closed: the store could not say, so the client is what an unknown one is.
      this.o.log.error({ evt: 'DHCP_ADMISSION_FAILED', mac, err }, 'admission lookup failed; steering as unknown');
      return {};
    }
  }

  private exhausted(scope: ServedScope, pool: ServedPool): void {
    this.o.metrics.exhausted.labels(scope.name, pool.name).inc();
    const key = `${scope.tenantId}\0${scope.name}\0${pool.name}`;
    const now = Date.now();
    if ((this.exhaustionLogged.get(key) ?? 0) + EXHAUSTION_LOG_INTERVAL_MS > now) return;
    this.exhaustionLogged.set(key, now);
    const usage = this.o.leases.usage(scope.tenantId, scope.name, pool.name);
    this.o.log.warn({ evt: 'DHCP_POOL_EXHAUSTED', tenantId: scope.tenantId, scope: scope.name, pool: pool.name, ...usage }, `DHCP pool ${scope.name}/${pool.name} has no free address; DISCOVERs go unanswered`);
  }

  private send(req: DhcpMessage, reply: DhcpMessage, pool: string): void {
    const to = destination(req, reply, this.directBroadcast);
    let bytes: Buffer;
    try {
      bytes = encodeDhcp(reply, { maxMessageSize: replySizeLimit(req) });
    } catch (err) {
      // A legal request can still ask for more than fits: a long option 82 echoed to a client
      // that accepts 576 bytes. Dropped and counted; the process must not go down for it.
      if (err instanceof RangeError) return this.o.metrics.drop('reply-too-large');
      throw err;
    }
    this.socket?.send(bytes, to.port, to.address);
    this.o.metrics.replied(reply.options.get(53)![0]! as DhcpMessageType, pool);
  }
}

/**
 * How big a reply may be. A client's own limit (option 57, 576 by default) holds for what reaches
 * it; a relay strips option 82 before forwarding, so a reply to a relay may carry the echo on top,
 * up to what one Ethernet frame holds.
 */
function replySizeLimit(req: DhcpMessage): number {
  const client = maxReplySize(req) ?? DEFAULT_MAX_MESSAGE_SIZE;
  return req.giaddr !== ZERO_ADDRESS ? Math.max(client, ETHERNET_MTU) : client;
}

const ETHERNET_MTU = 1500;

function requestedIp(req: DhcpMessage): string | undefined {
  try {
    return getRequestedIp(req);
  } catch {
    return undefined;
  }
}

/** What the lease records about the client besides its MAC: option 61 and its host name, if valid. */
function extras(req: DhcpMessage): { clientId?: string; hostname?: string } {
  const out: { clientId?: string; hostname?: string } = {};
  try {
    const id = getClientIdentifier(req);
    if (id) out.clientId = Buffer.concat([Buffer.of(id.type), Buffer.from(id.id)]).toString('hex');
  } catch {
    /* a malformed option 61 is not recorded */
  }
  try {
    const h = getHostName(req);
    if (h !== undefined && /^[A-Za-z0-9._-]{1,63}$/.test(h)) out.hostname = h;
  } catch {
    /* nor a malformed host name */
  }
  return out;
}

/** Direct replies go to the broadcast address of the direct scope's subnet that holds the server. */
function directBroadcastOf(scopes: readonly ServedScope[], serverId: string): string {
  const direct = scopes.find((s) => s.direct);
  const id = ipv4ToInt(serverId);
  if (!direct || id === undefined) return '255.255.255.255';
  for (const p of direct.pools.values()) if (inSubnet(id, p.network, p.prefix)) return p.broadcast;
  return '255.255.255.255';
}

/**
 * The stream remote gateways (`kenneki gateway --server URL`) follow: newline-delimited JSON over
 * one long HTTPS response. First a snapshot (the gateway policy and every entry of the gateway's
 * tenants), then changes as the address view makes them, and a ping every few seconds so a
 * gateway can tell a quiet server from a dead one. A gateway that reconnects gets a fresh
 * snapshot: there is no replay log to fall out of step with.
 *
 * A gateway that does not read (its socket buffer grows past a bound) is cut off rather than
 * buffered for without end; it reconnects and starts again from a snapshot.
 */
import type { FastifyInstance } from 'fastify';
import type { AddressChange } from '../../addresses/address-view.js';
import type { AppContext } from '../context.js';

export const GATEWAY_STREAM_PATH = '/api/v1/gateway/stream';
export const GATEWAY_PING_MS = 5_000;
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** One line of the stream. Entries carry their tenant: two tenants may use one address range. */
export type GatewayStreamMessage =
  | { type: 'snapshot'; gateway: string; policy: unknown; entries: { tenantId: string; ip: string; mac?: string; access: string }[] }
  | { type: 'changes'; changes: { tenantId: string; ip: string; entry?: { ip: string; mac?: string; access: string } }[] }
  | { type: 'ping'; at: string };

export async function gatewayStreamRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const feed = ctx.gatewayFeed;
  // No remote gateway configured, no route: nothing to authenticate against.
  if (!feed || feed.gateways.length === 0) return;
  app.get(
    GATEWAY_STREAM_PATH,
    {
      schema: { tags: ['gateway'], description: 'NDJSON stream of allow-list entries for a remote gateway (gateway credential).' },
      config: { access: 'gateway' },
    },
    async (req, reply) => {
      const gw = req.gateway!;
      const tenants = new Set(gw.tenants);
      const log = ctx.log.child({ component: 'gateway-stream', gateway: gw.name });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      let closed = false;
      const close = (why: string) => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(ping);
        log.info({ evt: 'GATEWAY_DISCONNECTED', reason: why, remoteAddress: req.ip }, `gateway ${gw.name} disconnected: ${why}`);
        if (!res.writableEnded) res.end();
      };
      const send = (m: GatewayStreamMessage) => {
        if (closed) return;
        res.write(`${JSON.stringify(m)}\n`);
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          log.warn({ evt: 'GATEWAY_TOO_SLOW', buffered: res.writableLength }, `gateway ${gw.name} is not reading its stream; cutting it off (it re-syncs on reconnect)`);
          close('too slow');
          res.destroy();
        }
      };
      const unsubscribe = feed.view.subscribe((changes: readonly AddressChange[]) => {
        const mine = changes.filter((c) => tenants.has(c.tenantId));
        if (mine.length > 0) send({ type: 'changes', changes: mine.map((c) => ({ tenantId: c.tenantId, ip: c.ip, ...(c.entry ? { entry: c.entry } : {}) })) });
      });
      const ping = setInterval(() => send({ type: 'ping', at: ctx.clock.now().toISOString() }), GATEWAY_PING_MS);
      req.raw.on('close', () => close('connection closed'));
      res.on('error', () => close('socket error'));
      const entries = feed.view.snapshot([...tenants]);
      send({ type: 'snapshot', gateway: gw.name, policy: feed.policy, entries });
      log.info({ evt: 'GATEWAY_CONNECTED', remoteAddress: req.ip, entries: entries.length, tenants: [...tenants] }, `gateway ${gw.name} connected; sent ${entries.length} entries`);
    },
  );
}

/**
 * DHCP figures on the server's registry. Labels are bounded: message types, pools and drop reasons
 * are closed sets, and scope names come from the config, never from the wire.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { messageTypeName, type DhcpMessageType } from './codec/index.js';

export const DHCP_DROP_REASONS = [
  'malformed', 'malformed-option', 'not-a-request', 'not-ethernet', 'no-scope', 'unknown-mac-ignored', 'denied', 'pool-exhausted', 'other-server', 'unexpected-type', 'no-lease', 'reply-too-large', 'internal-error',
] as const;
export type DhcpDropReason = (typeof DHCP_DROP_REASONS)[number];

export class DhcpMetrics {
  readonly received: Counter<'type'>;
  readonly replies: Counter<'type' | 'pool'>;
  readonly dropped: Counter<'reason'>;
  readonly exhausted: Counter<'scope' | 'pool'>;
  readonly poolUsed: Gauge<'scope' | 'pool'>;

  constructor(registry: Registry, usage: () => { scope: string; pool: string; used: number }[]) {
    const registers = [registry];
    this.received = new Counter({ name: 'kenneki_dhcp_requests_total', help: 'DHCP messages received, by message type', labelNames: ['type'], registers });
    this.replies = new Counter({ name: 'kenneki_dhcp_replies_total', help: 'DHCP replies sent, by message type and pool', labelNames: ['type', 'pool'], registers });
    this.dropped = new Counter({ name: 'kenneki_dhcp_dropped_total', help: 'DHCP messages dropped unanswered, by reason', labelNames: ['reason'], registers });
    this.exhausted = new Counter({ name: 'kenneki_dhcp_pool_exhausted_total', help: 'DISCOVERs left unanswered because the pool had no free address', labelNames: ['scope', 'pool'], registers });
    this.poolUsed = new Gauge({
      name: 'kenneki_dhcp_pool_addresses_used', help: 'Addresses offered, leased or declined, by scope and pool', labelNames: ['scope', 'pool'], registers,
      collect() {
        for (const u of usage()) this.set({ scope: u.scope, pool: u.pool }, u.used);
      },
    });
    for (const r of DHCP_DROP_REASONS) this.dropped.labels(r).inc(0);
  }

  /**
   * Label children found once per label set, as for RADIUS (radius/metrics.ts): a labels() lookup
   * hashes the label object every time, and these counters move on every datagram.
   */
  private readonly dropChildren = new Map<DhcpDropReason, { inc(): void }>();
  private readonly receivedChildren = new Map<DhcpMessageType, { inc(): void }>();
  private readonly replyChildren = new Map<string, Map<DhcpMessageType, { inc(): void }>>();

  drop(reason: DhcpDropReason): void {
    let c = this.dropChildren.get(reason);
    if (!c) this.dropChildren.set(reason, (c = this.dropped.labels(reason)));
    c.inc();
  }

  receivedOne(type: DhcpMessageType): void {
    let c = this.receivedChildren.get(type);
    if (!c) this.receivedChildren.set(type, (c = this.received.labels(messageTypeName(type))));
    c.inc();
  }

  replied(type: DhcpMessageType, pool: string): void {
    let byType = this.replyChildren.get(pool);
    if (!byType) this.replyChildren.set(pool, (byType = new Map()));
    let c = byType.get(type);
    if (!c) byType.set(type, (c = this.replies.labels(messageTypeName(type), pool)));
    c.inc();
  }
}

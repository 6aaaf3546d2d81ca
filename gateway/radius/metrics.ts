/**
 * RADIUS figures on the server's registry. No NAS names or MACs as labels: /metrics is
 * unauthenticated, and label sets must stay bounded whatever arrives on the wire.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { RADIUS_DROP_REASONS, type RadiusDropReason } from './server/drops.js';

export type RadiusRequestKind = 'mab' | 'eap' | 'pap' | 'status' | 'accounting';
export type RadiusResult = 'accept' | 'reject' | 'challenge' | 'response';

export class RadiusMetrics {
  readonly requests: Counter<'kind' | 'result' | 'placement'>;
  readonly dropped: Counter<'reason'>;
  readonly duplicates: Counter;
  readonly duration: Histogram<'kind'>;
  readonly dynamicAuth: Counter<'step' | 'result'>;
  readonly coaDropped: Counter<'reason'>;
  /** Pre-bound children: a labels() lookup per packet costs more than the rest of a MAB answer's bookkeeping. */
  private readonly dropChildren: Map<RadiusDropReason, { inc(): void }>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'kenneki_radius_requests_total', help: 'RADIUS requests answered, by kind, result and placement', labelNames: ['kind', 'result', 'placement'], registers });
    this.dropped = new Counter({ name: 'kenneki_radius_dropped_total', help: 'RADIUS datagrams dropped unanswered, by reason', labelNames: ['reason'], registers });
    this.duplicates = new Counter({ name: 'kenneki_radius_duplicates_total', help: 'Retransmitted requests answered from the duplicate cache (RFC 5080)', registers });
    this.duration = new Histogram({
      name: 'kenneki_radius_request_duration_seconds',
      help: 'Time from datagram to answer, by kind',
      labelNames: ['kind'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025, 0.1, 0.5],
      registers,
    });
    this.dynamicAuth = new Counter({ name: 'kenneki_radius_dynamic_auth_total', help: 'CoA / Disconnect requests sent, by profile step and result (ack, nak, timeout, error)', labelNames: ['step', 'result'], registers });
    this.coaDropped = new Counter({ name: 'kenneki_radius_dynamic_auth_dropped_total', help: 'Datagrams the CoA / Disconnect client ignored, by reason (bad-authenticator: a NAS with another secret)', labelNames: ['reason'], registers });
    this.dropChildren = new Map(RADIUS_DROP_REASONS.map((r) => [r, this.dropped.labels(r)]));
    for (const r of RADIUS_DROP_REASONS) this.dropped.labels(r).inc(0);
  }

  /** kind → result → placement → child: constant strings as keys, so no key is built per packet. */
  private readonly requestChildren = new Map<string, Map<string, Map<string, { inc(): void }>>>();
  private readonly durationChildren = new Map<RadiusRequestKind, { observe(v: number): void }>();

  drop(reason: RadiusDropReason): void {
    this.dropChildren.get(reason)!.inc();
  }

  /** One answered request; label children are looked up once per label set, not per packet. */
  answered(kind: RadiusRequestKind, result: RadiusResult, placement: string): void {
    let byResult = this.requestChildren.get(kind);
    if (!byResult) this.requestChildren.set(kind, (byResult = new Map()));
    let byPlacement = byResult.get(result);
    if (!byPlacement) byResult.set(result, (byPlacement = new Map()));
    let child = byPlacement.get(placement);
    if (!child) byPlacement.set(placement, (child = this.requests.labels(kind, result, placement)));
    child.inc();
  }

  took(kind: RadiusRequestKind, seconds: number): void {
    let child = this.durationChildren.get(kind);
    if (!child) this.durationChildren.set(kind, (child = this.duration.labels(kind)));
    child.observe(seconds);
  }
}

/**
 * EAP figures on /metrics, read from the EAP port at each scrape: how many logins are in flight,
 * how they end, and how many TLS handshakes were resumed. With `radius.eap.threads` the port sums
 * its threads, so these are whole-server figures; RADIUS workers hand EAP to the main process and
 * register none of their own.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EapStats } from './eap/index.js';

const OUTCOMES = ['started', 'succeeded', 'failed'] as const;
const HANDSHAKES = { full: 'fullHandshakes', resumed: 'resumedHandshakes' } as const;

export function registerEapMetrics(registry: Registry, stats: () => EapStats): void {
  const registers = [registry];
  new Gauge({
    name: 'kenneki_radius_eap_conversations',
    help: 'EAP conversations in progress (a State handed out, no Success or Failure yet)',
    registers,
    collect() {
      this.set(stats().conversations);
    },
  });
  // The port's figures only grow; each scrape adds what is new since the last one.
  counter(registry, 'kenneki_radius_eap_conversations_total', 'EAP conversations started, and ended in Success or Failure', 'outcome', stats, (s) => OUTCOMES.map((o) => [o, s[o]]));
  counter(registry, 'kenneki_radius_eap_tls_handshakes_total', 'TLS handshakes of EAP-TLS, TTLS and PEAP, full or resumed', 'kind', stats, (s) => Object.entries(HANDSHAKES).map(([k, f]) => [k, s[f]]));
  counter(registry, 'kenneki_radius_eap_discarded_total', 'EAP requests dropped unanswered (unknown or expired State, a busy conversation, over a limit, an EAP thread down)', undefined, stats, (s) => [['', s.discarded]]);
}

function counter(registry: Registry, name: string, help: string, label: string | undefined, stats: () => EapStats, values: (s: EapStats) => [string, number][]): void {
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: label ? [label] : [],
    registers: [registry],
    collect() {
      for (const [key, value] of values(stats())) {
        const delta = value - (last.get(key) ?? 0);
        last.set(key, value);
        if (delta <= 0) continue;
        if (label) this.labels(key).inc(delta);
        else this.inc(delta);
      }
    },
  });
}

/**
 * Facts for one assessment, collected when first asked for and then reused: the server may ask for
 * the same fact in two rounds, and a slow collector (a Windows Update search) must not run twice.
 * `reset()` starts the next assessment afresh. The `agent` fact is the agent's own statement.
 */
import type { FactKey, PostureFacts } from '../policy/posture/facts.js';
import type { CollectedFactKey, CollectorSet, HostProbe } from './collect/contract.js';
import { collectFacts, SOURCE } from './collect/run-collectors.js';
import { AGENT_NAME, AGENT_VERSION } from './version.js';

export class FactSource {
  private cache: PostureFacts = {};
  private pending = new Map<FactKey, Promise<void>>();

  constructor(private readonly host: HostProbe, private readonly collectors: CollectorSet) {}

  reset(): void {
    this.cache = {};
    this.pending = new Map();
  }

  async facts(keys: readonly FactKey[]): Promise<PostureFacts> {
    const todo = keys.filter((k) => this.cache[k] === undefined && !this.pending.has(k));
    const collected = todo.filter((k): k is CollectedFactKey => k !== 'agent');
    if (todo.includes('agent')) {
      this.cache.agent = { status: 'ok', value: { name: AGENT_NAME, version: AGENT_VERSION }, collectedAt: this.host.now().toISOString(), source: SOURCE };
    }
    if (collected.length > 0) {
      const p = collectFacts(this.host, this.collectors, collected).then((f) => {
        this.cache = { ...this.cache, ...f };
      });
      for (const k of collected) this.pending.set(k, p);
    }
    await Promise.all(keys.map((k) => this.pending.get(k)));
    const out: PostureFacts = {};
    for (const k of keys) if (this.cache[k] !== undefined) (out as Record<string, unknown>)[k] = this.cache[k];
    return out;
  }
}

/**
 * Runs collectors against a host, each under its own budget, all at once: one hung tool costs its
 * own timeout, never the others' facts. A collector that throws or overruns yields an `unknown`
 * fact with the reason — missing evidence is reported as such, and the server's policy decides
 * what unknown means. Nothing here throws.
 */
import { formatAjvErrors } from '../../policy/config/errors-format.js';
import type { Fact, PostureFacts } from '../../policy/posture/facts.js';
import { FACT_VALUE_SCHEMAS } from '../../policy/posture/schema.js';
import { validatorFor } from '../../policy/posture/value-validator.js';
import { DEFAULT_COLLECTOR_TIMEOUT_MS, type CollectedFactKey, type Collector, type CollectorSet, type HostProbe } from './contract.js';

export const SOURCE = 'kenneki-agent' as const;

/** Longest reason kept: the server's schema allows 1024 characters. */
const MAX_REASON = 1000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// The server validates every value against these schemas and refuses the whole attribute when one
// fails; checking here turns one collector's bad value into one `unknown` fact instead.
const validatorOf = (fact: CollectedFactKey) => validatorFor(FACT_VALUE_SCHEMAS[fact]);

export async function runCollector<K extends CollectedFactKey>(host: HostProbe, c: Collector<K>): Promise<Fact<unknown>> {
  const budget = c.timeoutMs ?? DEFAULT_COLLECTOR_TIMEOUT_MS;
  try {
    const value = await withTimeout(Promise.resolve().then(() => c.collect(host)), budget, `${c.fact} collector`);
    const valid = validatorOf(c.fact);
    if (!valid(value)) throw new Error(`the ${c.fact} collector produced a value the server would refuse: ${formatAjvErrors(valid.errors, value)[0] ?? 'schema mismatch'}`);
    return { status: 'ok', value, collectedAt: host.now().toISOString(), source: SOURCE };
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).slice(0, MAX_REASON) || 'collector failed';
    return { status: 'unknown', reason, collectedAt: host.now().toISOString(), source: SOURCE };
  }
}

/** The facts `keys` names that the set has collectors for; others are absent from the result. */
export async function collectFacts(host: HostProbe, set: CollectorSet, keys: readonly CollectedFactKey[]): Promise<PostureFacts> {
  const unique = [...new Set(keys)];
  const results = await Promise.all(
    unique.map(async (k) => {
      const c = set[k] as Collector | undefined;
      return c === undefined ? undefined : ([k, await runCollector(host, c)] as const);
    }),
  );
  const facts: Record<string, Fact<unknown>> = {};
  for (const r of results) if (r !== undefined) facts[r[0]] = r[1];
  return facts as PostureFacts;
}

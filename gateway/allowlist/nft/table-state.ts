/**
 * What the table holds, as data both sides can produce: parsed from `nft -j list table`, or
 * expected from the inputs the renderer was given. Elements use the renderer's canonical strings
 * (ruleset.ts), so a comparison is set equality, and drift is described in the terms an operator
 * would type: which set lost which addresses, which chain lost rules.
 *
 * Interval sets are compared as merged ranges: the kernel may print `10.0.0.0/24` for what was
 * written as two /25s, and both mean the same addresses.
 */
import type { AllowlistEntry, GatewayLocal, GatewayPolicy } from '../contract.js';
import { chainSpecs, intervalElement, ipToNumber, mergeIntervals, tableContents } from './ruleset.js';

export interface TableState {
  /** Set name → canonical elements. */
  sets: Map<string, Set<string>>;
  /** Chain name → number of rules. */
  chains: Map<string, number>;
}

export interface CounterValue {
  packets: number;
  bytes: number;
}

export function expectedState(local: GatewayLocal, policy: GatewayPolicy, entries: Iterable<AllowlistEntry>): TableState {
  const c = tableContents(local, policy, entries);
  return {
    sets: new Map([...c.sets].map(([name, els]) => [name, new Set(els)])),
    chains: new Map(chainSpecs(c.portalRedirectPort, c.portalRedirectAddress).map((ch) => [ch.name, ch.rules.length])),
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function items(json: unknown): Json[] {
  if (!isObject(json) || !Array.isArray(json.nftables)) throw new Error('nft JSON: no "nftables" array');
  return json.nftables.filter(isObject);
}

function unexpected(what: string, v: unknown): Error {
  return new Error(`nft JSON: unexpected ${what}: ${JSON.stringify(v)}`);
}

/** A plain or concatenated element in canonical form; ifnames are quoted as the renderer writes them. */
function plainElement(v: unknown, quote: boolean): string {
  if (typeof v === 'string') return quote ? `"${v}"` : v.toLowerCase();
  if (typeof v === 'number') return String(v);
  if (isObject(v) && Array.isArray(v.concat)) return v.concat.map((p) => plainElement(p, false)).join(' . ');
  throw unexpected('element', v);
}

/** An interval-set element as a numeric range. */
function intervalOf(v: unknown): [number, number] {
  if (typeof v === 'string') return [ipToNumber(v), ipToNumber(v)];
  if (isObject(v) && isObject(v.prefix) && typeof v.prefix.addr === 'string' && typeof v.prefix.len === 'number') {
    const size = 2 ** (32 - v.prefix.len);
    const lo = ipToNumber(v.prefix.addr);
    return [lo, lo + size - 1];
  }
  if (isObject(v) && Array.isArray(v.range) && typeof v.range[0] === 'string' && typeof v.range[1] === 'string') return [ipToNumber(v.range[0]), ipToNumber(v.range[1])];
  throw unexpected('interval element', v);
}

/** Elements with per-element options (counters, timeouts) come wrapped as `{ elem: { val } }`. */
const unwrap = (v: unknown): unknown => (isObject(v) && isObject(v.elem) ? v.elem.val : v);

export function parseTableState(json: unknown): TableState {
  const state: TableState = { sets: new Map(), chains: new Map() };
  for (const item of items(json)) {
    if (isObject(item.set)) {
      const s = item.set;
      const elem = Array.isArray(s.elem) ? s.elem.map(unwrap) : [];
      const interval = Array.isArray(s.flags) && s.flags.includes('interval');
      const elements = interval ? mergeIntervals(elem.map(intervalOf)).map(intervalElement) : elem.map((e) => plainElement(e, s.type === 'ifname'));
      state.sets.set(String(s.name), new Set(elements));
    } else if (isObject(item.chain)) {
      const name = String(item.chain.name);
      if (!state.chains.has(name)) state.chains.set(name, 0);
    } else if (isObject(item.rule)) {
      const name = String(item.rule.chain);
      state.chains.set(name, (state.chains.get(name) ?? 0) + 1);
    }
  }
  return state;
}

/** The named counters of a table listing (or of `nft -j list counters`). */
export function parseCounters(json: unknown): Map<string, CounterValue> {
  const out = new Map<string, CounterValue>();
  for (const item of items(json)) {
    const c = item.counter;
    if (isObject(c) && typeof c.name === 'string') out.set(c.name, { packets: Number(c.packets ?? 0), bytes: Number(c.bytes ?? 0) });
  }
  return out;
}

const SAMPLES = 5;
function sample(values: string[]): string {
  const shown = values.slice(0, SAMPLES).join(', ');
  return values.length > SAMPLES ? `${shown}, … (${values.length - SAMPLES} more)` : shown;
}

/** Human-readable differences; empty when the table is as expected. `actual` undefined: no table. */
export function diffState(expected: TableState, actual: TableState | undefined): string[] {
  if (actual === undefined) return ['table missing'];
  const drift: string[] = [];
  for (const [name, want] of expected.sets) {
    const have = actual.sets.get(name);
    if (have === undefined) {
      drift.push(`set ${name} missing`);
      continue;
    }
    const missing = [...want].filter((e) => !have.has(e));
    const extra = [...have].filter((e) => !want.has(e));
    if (missing.length > 0) drift.push(`set ${name}: ${missing.length} element(s) missing: ${sample(missing)}`);
    if (extra.length > 0) drift.push(`set ${name}: ${extra.length} unexpected element(s): ${sample(extra)}`);
  }
  for (const name of actual.sets.keys()) if (!expected.sets.has(name)) drift.push(`set ${name} unexpected`);
  for (const [name, want] of expected.chains) {
    const have = actual.chains.get(name);
    if (have === undefined) drift.push(`chain ${name} missing`);
    else if (have !== want) drift.push(`chain ${name}: ${have} rule(s), expected ${want}`);
  }
  for (const name of actual.chains.keys()) if (!expected.chains.has(name)) drift.push(`chain ${name} unexpected`);
  return drift;
}

/**
 * `nft -j list ruleset` → whether inbound traffic is denied by default.
 *
 * On means some base chain on the input hook (family inet, ip or ip6) has policy drop, or ends
 * with a rule that drops or rejects unconditionally (only counters, logs and the verdict, no
 * match). Every input base chain sees each packet, so one default-deny chain is enough. An
 * empty ruleset, or input chains that accept by default, is a fact too: off.
 * iptables-nft rules appear here as the `ip filter INPUT` chain, so this also covers them.
 */
import { excerpt, unavailable } from './text.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const INPUT_FAMILIES = new Set(['inet', 'ip', 'ip6']);
/** Statements that do not narrow which packets a rule applies to. */
const NON_MATCHING = new Set(['counter', 'log', 'drop', 'reject']);

export function parseNftRuleset(text: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    unavailable(`nft -j printed no JSON: ${excerpt(text)}`);
  }
  if (!isObject(doc) || !Array.isArray(doc.nftables)) unavailable(`nft -j printed no "nftables" array: ${excerpt(text)}`);
  const items = doc.nftables.filter(isObject);

  const inputChains = items
    .map((i) => i.chain)
    .filter(isObject)
    .filter((c) => c.hook === 'input' && typeof c.family === 'string' && INPUT_FAMILIES.has(c.family));
  if (inputChains.some((c) => c.policy === 'drop')) return true;

  const rules = items.map((i) => i.rule).filter(isObject);
  return inputChains.some((chain) => {
    const own = rules.filter((r) => r.family === chain.family && r.table === chain.table && r.chain === chain.name);
    const last = own[own.length - 1];
    return last !== undefined && dropsEverything(last.expr);
  });
}

function dropsEverything(expr: unknown): boolean {
  if (!Array.isArray(expr) || expr.length === 0) return false;
  const kinds = expr.map((s) => (isObject(s) ? Object.keys(s) : ['?'])).flat();
  return kinds.every((k) => NON_MATCHING.has(k)) && kinds.some((k) => k === 'drop' || k === 'reject');
}

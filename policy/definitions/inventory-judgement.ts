/**
 * A whole package inventory judged against the definitions, memoised by its content. Judging is a
 * map lookup per package (the assessor memoises per name and version), but a 300-package
 * inventory is still 300 lookups of freshly decoded strings, each hashed on first use: the largest
 * part of evaluating a report. Fleets report identical inventories over and over (the same image,
 * the same machine again), so the judgement is kept per (assessor, inventory hash). An assessor
 * belongs to one definitions view and platform, so a definitions import starts a new memo and the
 * old one goes with the old view.
 */
import { inventoryDigest } from '../posture/inventory-digest.js';
import { CLEAN, type PackageAssessment } from './package-assessment.js';
import type { PackageAssessor } from './view.js';

/** A package that is not clean: vulnerable, forbidden, or not comparable. */
export interface FlaggedPackage {
  name: string;
  version: string;
  assessment: PackageAssessment;
}

/** `undefined` for an inventory with an entry that is not `{ name: string, version: string }`. */
export type InventoryJudgement = readonly FlaggedPackage[] | undefined;

/**
 * Distinct inventories remembered per assessor. Past it the least recently used is forgotten;
 * a fleet with more distinct inventories than this only loses the shortcut, not correctness.
 */
export const INVENTORY_MEMO_LIMIT = 10_000;

const memos = new WeakMap<PackageAssessor, Map<string, InventoryJudgement>>();

/** `value` is the inventory fact's value and `packages` its list (already checked to be an array). */
export function judgeInventory(assess: PackageAssessor, value: object, packages: readonly unknown[]): InventoryJudgement {
  let memo = memos.get(assess);
  if (memo === undefined) memos.set(assess, (memo = new Map()));
  const { hash } = inventoryDigest(value);
  if (memo.has(hash)) {
    const hit = memo.get(hash);
    // Refresh: a Map iterates in insertion order, so the first key is the least recently used.
    memo.delete(hash);
    memo.set(hash, hit);
    return hit;
  }
  const judgement = judge(assess, packages);
  if (memo.size >= INVENTORY_MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  memo.set(hash, judgement);
  return judgement;
}

function judge(assess: PackageAssessor, packages: readonly unknown[]): InventoryJudgement {
  const flagged: FlaggedPackage[] = [];
  for (const p of packages) {
    if (typeof p !== 'object' || p === null) return undefined;
    const { name, version } = p as { name?: unknown; version?: unknown };
    if (typeof name !== 'string' || typeof version !== 'string') return undefined;
    const assessment = assess(name, version);
    if (assessment !== CLEAN) flagged.push({ name, version, assessment });
  }
  return Object.freeze(flagged);
}

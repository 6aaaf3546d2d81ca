/**
 * Verdict changes as one `nft -f -` script that moves elements between the entry sets.
 *
 * The script must apply whatever the kernel holds, since the table may have drifted from what we
 * believe was applied (a hand edit, a failed run). `add element` of an existing element is a
 * no-op, but `delete element` of a missing one fails the whole transaction, and nft 1.0.6 has no
 * `destroy element`. So every removal is written as an add followed by a delete in the same
 * script: the element exists when the delete runs, whatever was there before, and the transaction
 * leaves it absent. An addition is just the add.
 *
 * Elements are grouped per set and verb, so 10,000 changes are a handful of statements; nft 1.0.6
 * parses 100,000 elements in one statement, the lines are split only to keep error positions
 * readable (ELEMENTS_PER_LINE).
 */
import type { AllowlistEntry } from '../contract.js';
import { ENTRY_SETS, NFT_FAMILY, checkEntry, checkTable, chunk, entryElements, type EntrySet } from './ruleset.js';

export interface EntryChange {
  /** What the address had (absent: no entry). */
  before?: AllowlistEntry;
  /** What it has now (absent: the entry is removed, the address falls back to quarantine). */
  after?: AllowlistEntry;
}

/** Net element moves per entry set. */
export interface DeltaPlan {
  add: Map<EntrySet, string[]>;
  remove: Map<EntrySet, string[]>;
  /** Elements added plus elements removed. */
  elements: number;
}

/** Applies the changes in order; the last word on an element wins. */
export function planDelta(changes: readonly EntryChange[]): DeltaPlan {
  const net = new Map<EntrySet, Map<string, 'add' | 'remove'>>(ENTRY_SETS.map((s) => [s, new Map()]));
  changes.forEach((c, i) => {
    const before = c.before === undefined ? [] : entryElements(checkEntry(c.before, `changes[${i}].before`));
    const after = c.after === undefined ? [] : entryElements(checkEntry(c.after, `changes[${i}].after`));
    // Removals first, so an element both had and has (the IP of an allowed entry whose MAC
    // changed) ends as an add, which is a no-op in the kernel.
    for (const [set, el] of before) net.get(set)?.set(el, 'remove');
    for (const [set, el] of after) net.get(set)?.set(el, 'add');
  });
  const plan: DeltaPlan = { add: new Map(), remove: new Map(), elements: 0 };
  for (const [set, moves] of net) {
    const add: string[] = [];
    const remove: string[] = [];
    for (const [el, verb] of moves) (verb === 'add' ? add : remove).push(el);
    if (add.length > 0) plan.add.set(set, add);
    if (remove.length > 0) plan.remove.set(set, remove);
    plan.elements += add.length + remove.length;
  }
  return plan;
}

function statements(verb: 'add' | 'delete', table: string, set: string, elements: readonly string[]): string[] {
  return chunk(elements).map((c) => `${verb} element ${NFT_FAMILY} ${table} ${set} { ${c.join(', ')} }`);
}

/** The script; empty when the changes cancel out (an empty script is nothing to run). */
export function renderDelta(table: string, changes: readonly EntryChange[]): string {
  const t = checkTable('table', table);
  const plan = planDelta(changes);
  const lines: string[] = [];
  for (const set of ENTRY_SETS) {
    const add = [...(plan.add.get(set) ?? []), ...(plan.remove.get(set) ?? [])];
    if (add.length > 0) lines.push(...statements('add', t, set, add));
  }
  for (const set of ENTRY_SETS) {
    const remove = plan.remove.get(set);
    if (remove) lines.push(...statements('delete', t, set, remove));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

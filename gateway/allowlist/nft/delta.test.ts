import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { AllowlistEntry } from '../contract.js';
import { planDelta, renderDelta, type EntryChange } from './delta.js';
import { ENTRY_SETS, entryElements } from './ruleset.js';

const A: AllowlistEntry = { ip: '10.20.0.7', mac: '02:aa:bb:cc:dd:ee', access: 'allowed' };

describe('renderDelta', () => {
  test('a removal is an add then a delete; elements grouped per set, adds before deletes', () => {
    expect(
      renderDelta('kenneki_gw', [
        { before: A, after: { ...A, mac: '02:aa:bb:cc:dd:ff' } },
        { before: { ip: '10.20.0.9', access: 'quarantined' }, after: { ip: '10.20.0.9', access: 'denied' } },
        { before: { ip: '10.20.0.66', access: 'denied' } },
        { after: { ip: '10.20.1.1', access: 'quarantined' } },
      ]),
    ).toBe(`add element inet kenneki_gw allowed { 10.20.0.7 }
add element inet kenneki_gw allowed_l2 { 10.20.0.7 . 02:aa:bb:cc:dd:ff, 10.20.0.7 . 02:aa:bb:cc:dd:ee }
add element inet kenneki_gw quarantined { 10.20.1.1, 10.20.0.9 }
add element inet kenneki_gw denied { 10.20.0.9, 10.20.0.66 }
delete element inet kenneki_gw allowed_l2 { 10.20.0.7 . 02:aa:bb:cc:dd:ee }
delete element inet kenneki_gw quarantined { 10.20.0.9 }
delete element inet kenneki_gw denied { 10.20.0.66 }
`);
  });

  test('changes that cancel out render nothing', () => {
    expect(renderDelta('t', [])).toBe('');
    expect(renderDelta('t', [{ before: A, after: A }]).split('\n').filter((l) => l.startsWith('delete'))).toEqual([]);
  });

  test('10,000 changes are a handful of statements', () => {
    const changes: EntryChange[] = [];
    for (let i = 0; i < 10_000; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      changes.push({ before: { ip, access: 'quarantined' }, after: { ip, mac: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, access: 'allowed' } });
    }
    const lines = renderDelta('t', changes).trimEnd().split('\n');
    // allowed, allowed_l2 and the quarantined removals (add + delete), 4096 elements per line.
    expect(lines.length).toBe(3 + 3 + 3 + 3);
    expect(planDelta(changes).elements).toBe(30_000);
  });

  test('values are validated: a table or element cannot carry nft syntax', () => {
    expect(() => renderDelta('t; flush ruleset', [])).toThrow(/table/);
    expect(() => renderDelta('t', [{ after: { ip: '10.0.0.1 }', access: 'allowed' } }])).toThrow(/changes\[0\]\.after\.ip/);
  });
});

// ------------------------------------------------------------------------------------------------
// Property: the rendered script, run against ANY kernel state, leaves every touched element as the
// final entries say. A small model of nft: add is a union, delete of a missing element fails.

const ip = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 15 })).map(([a, b]) => `10.0.${a}.${b}`);
const mac = fc.option(fc.constantFrom('02:00:00:00:00:01', '02:00:00:00:00:02'), { nil: undefined });
const entry = fc.record({ ip, mac, access: fc.constantFrom('allowed' as const, 'quarantined' as const, 'denied' as const) }).map((e) => (e.mac === undefined ? { ip: e.ip, access: e.access } : e));
/** A step: set (entry) or remove (ip) an address. */
const step = fc.oneof(entry.map((e) => ({ set: e })), ip.map((i) => ({ remove: i })));

function elementsOf(entries: Iterable<AllowlistEntry>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>(ENTRY_SETS.map((s) => [s, new Set()]));
  for (const e of entries) for (const [s, el] of entryElements(e)) out.get(s)?.add(el);
  return out;
}

function runModel(script: string, kernel: Map<string, Set<string>>): void {
  for (const line of script.split('\n').filter(Boolean)) {
    const m = /^(add|delete) element inet t (\w+) \{ (.*) \}$/.exec(line);
    if (!m) throw new Error(`unexpected line ${line}`);
    const set = kernel.get(m[2] ?? '');
    if (!set) throw new Error(`no set ${m[2]}`);
    for (const el of (m[3] ?? '').split(', ')) {
      if (m[1] === 'add') set.add(el);
      else if (!set.delete(el)) throw new Error(`delete of missing ${el}: the transaction would fail`);
    }
  }
}

describe('renderDelta properties', () => {
  test('from any kernel state, the script succeeds and leaves the touched elements as desired', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), fc.array(step, { maxLength: 30 }), fc.array(fc.tuple(fc.constantFrom(...ENTRY_SETS), entry), { maxLength: 10 }), (initial, steps, junk) => {
        const desired = new Map(initial.map((e) => [e.ip, e]));
        const start = new Map(desired);
        const changes: EntryChange[] = [];
        for (const s of steps) {
          const key = 'set' in s ? s.set.ip : s.remove;
          const before = desired.get(key);
          const after = 'set' in s ? s.set : undefined;
          if (after) desired.set(key, after);
          else desired.delete(key);
          changes.push({ before, after });
        }
        const script = renderDelta('t', changes);
        // Exactly the applied state: the result is exactly the desired state.
        const kernel = elementsOf(start.values());
        runModel(script, kernel);
        expect(kernel).toEqual(elementsOf(desired.values()));
        // Run twice: idempotent.
        runModel(script, kernel);
        expect(kernel).toEqual(elementsOf(desired.values()));
        // A drifted kernel (junk elements, some applied ones lost): still no failure, and every
        // element the changes touched ends as desired.
        const drifted = elementsOf([...start.values()].slice(1));
        for (const [s, e] of junk) for (const [, el] of entryElements(e)) drifted.get(s)?.add(el);
        runModel(script, drifted);
        const want = elementsOf(desired.values());
        const plan = planDelta(changes);
        for (const [s, els] of plan.add) for (const el of els) expect(drifted.get(s)?.has(el)).toBe(want.get(s)?.has(el));
        for (const [s, els] of plan.remove) for (const el of els) expect(drifted.get(s)?.has(el)).toBe(false);
      }),
    );
  });
});

/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the busy time went: self time by
 * function and by file/module, and inclusive time by function (each function counted once per
 * sample however deep it recurses). Idle time is left out of the percentages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, printTable } from '../common.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  busyMs: number;
  selfByFunction: [string, number][];
  selfByModule: [string, number][];
  inclusive: [string, number][];
}

function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  const dist = /\/dist\/(.*)$/.exec(url);
  return dist ? dist[1]! : url;
}

function keyOf(n: ProfileNode): string {
  const f = n.callFrame;
  const where = f.url ? `${moduleOf(f.url, f.functionName)}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const mod = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const us = p.timeDeltas[i] ?? 0;
    if (us <= 0) continue;
    total += us;
    const leaf = byId.get(p.samples[i]!);
    if (!leaf) continue;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const k = keyOf(leaf);
    self.set(k, (self.get(k) ?? 0) + us);
    const m = moduleOf(leaf.callFrame.url, leaf.callFrame.functionName);
    mod.set(m, (mod.get(m) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === '(root)') break;
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { file, totalMs: total / 1000, busyMs: (total - idle) / 1000, selfByFunction: sorted(self), selfByModule: sorted(mod), inclusive: sorted(incl) };
}

/** Every profile the server wrote: its main thread's and one per worker thread (EAP threads), sorted by name. */
export function profiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => join(dir, f));
}

export function printProfile(s: ProfileSummary, perAuthDivisor?: number): void {
  console.log(`\nprofile ${s.file}: ${fmt.int(s.totalMs)} ms sampled, ${fmt.int(s.busyMs)} ms busy (not idle)`);
  const pct = (ms: number) => `${fmt.n((ms / s.busyMs) * 100)} %`;
  const per = (ms: number) => (perAuthDivisor ? fmt.n((ms / perAuthDivisor) * 1000, 0) : '');
  const cols = perAuthDivisor ? ['ms', '% busy', 'µs/auth'] : ['ms', '% busy'];
  for (const [title, rows] of [
    ['self time by module/file', s.selfByModule],
    ['self time by function', s.selfByFunction],
    ['inclusive time by function', s.inclusive],
  ] as const) {
    console.log(`\n  ${title}:`);
    printTable([title.split(' by ')[1]!, ...cols], rows.map(([k, ms]) => [k.length > 90 ? `${k.slice(0, 87)}...` : k, fmt.int(ms), pct(ms), ...(perAuthDivisor ? [per(ms)] : [])]));
  }
}

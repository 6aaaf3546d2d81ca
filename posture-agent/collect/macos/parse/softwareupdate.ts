/**
 * `softwareupdate -l` → pending updates. Two listing formats are in the field:
 *
 *   macOS 10.15 and later:            * Label: macOS Sonoma 14.7.1-23H222
 *                                         Title: macOS Sonoma 14.7.1, Version: 14.7.1, Size: …, Recommended: YES, Action: restart,
 *   up to 10.14 (and some caches):       * Security Update 2019-004-10.13.6
 *                                         Security Update 2019-004 (10.13.6), 1964205K [recommended] [restart]
 *
 * "No new software available." (printed on stderr) is the only proof of an empty list: any other
 * output without entries (offline, catalog errors) is `unknown`, never "0 pending".
 */
import type { PendingUpdate, PendingUpdatesFact } from '../../../../policy/posture/facts.js';
import { FactUnavailable } from '../../contract.js';
import { isSecurityUpdate } from './security-updates.js';

export interface SoftwareUpdateContext {
  /** Major release the host runs, to tell a point release (security) from an offered upgrade. */
  osMajor?: number;
}

const MAX_UPDATES = 5_000;
const ENTRY = /^\s*[*-]\s+(?:Label:\s*)?(\S.*?)\s*$/;
const KEYED_DETAIL = /^\s+Title:/;
/** Old format: `Title (version), 1234K [recommended] [restart]`. */
const LEGACY_DETAIL = /^\s+(\S.*?)\s+\(([^()]*)\),\s*\d+K\b(.*)$/;
const KEYS = /(?:^|,\s*)(Title|Version|Size|Recommended|Action|Deferred):\s*/g;
/** Both mean the update finishes only across a restart; firmware updates ask for a shut down. */
const NEEDS_RESTART = /restart|shut\s*down/i;

interface Entry {
  label: string;
  title?: string;
  version?: string;
  restart: boolean;
}

/** `Title: a, Version: b, …` → fields; values may hold commas, so split only before known keys. */
function keyedFields(detail: string): Map<string, string> {
  const marks = [...detail.trim().matchAll(KEYS)];
  const text = detail.trim();
  const out = new Map<string, string>();
  marks.forEach((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = marks[i + 1]?.index ?? text.length;
    out.set(m[1] as string, text.slice(start, end).replace(/,\s*$/, '').trim());
  });
  return out;
}

function readEntries(lines: string[]): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = ENTRY.exec(lines[i] as string);
    if (m === null) continue;
    const entry: Entry = { label: m[1] as string, restart: false };
    const next = lines[i + 1] ?? '';
    if (KEYED_DETAIL.test(next)) {
      const f = keyedFields(next);
      const title = f.get('Title');
      const version = f.get('Version');
      if (title) entry.title = title;
      if (version) entry.version = version;
      entry.restart = NEEDS_RESTART.test(f.get('Action') ?? '');
      i++;
    } else {
      const legacy = LEGACY_DETAIL.exec(next);
      if (legacy !== null) {
        entry.title = legacy[1] as string;
        if (legacy[2]) entry.version = legacy[2];
        entry.restart = /\[(restart|shut\s*down)\]/i.test(legacy[3] ?? '');
        i++;
      }
    }
    entries.push(entry);
  }
  return entries;
}

function toUpdate(e: Entry, ctx: SoftwareUpdateContext): PendingUpdate {
  const u: PendingUpdate = { id: e.label.slice(0, 256), security: isSecurityUpdate(e.label, e.title, ctx.osMajor) };
  if (e.title !== undefined) u.package = e.title.slice(0, 256);
  if (e.version !== undefined && e.version.length <= 128) u.version = e.version;
  return u;
}

export function parseSoftwareUpdateList(text: string, ctx: SoftwareUpdateContext = {}): PendingUpdatesFact {
  const entries = readEntries(text.split(/\r?\n/));
  if (entries.length === 0) {
    if (/No new software available\./.test(text)) return { updates: [], rebootRequired: false };
    // The last line is where softwareupdate says what went wrong ("…can't connect…").
    const last = text.trim().split('\n').at(-1)?.trim().slice(0, 200) ?? '';
    throw new FactUnavailable(`softwareupdate printed no update list${last ? `: ${last}` : ''}`);
  }
  const byId = new Map<string, PendingUpdate>();
  for (const e of entries) if (!byId.has(e.label.slice(0, 256))) byId.set(e.label.slice(0, 256), toUpdate(e, ctx));
  if (byId.size > MAX_UPDATES) throw new FactUnavailable(`softwareupdate listed ${byId.size} updates, over ${MAX_UPDATES}`);
  return { updates: [...byId.values()], rebootRequired: entries.some((e) => e.restart) };
}

/**
 * Pending updates from the Windows Update Agent search `IsInstalled=0 and IsHidden=0`
 * (scripts.ts PENDING_UPDATES_SCRIPT).
 *
 * An update counts as security when Microsoft rated it (MsrcSeverity is set), or when it is
 * classified Security Updates or Critical Updates. Classifications are matched by their GUIDs,
 * which WSUS and WUA share and never translate; the English names are a fallback.
 */
import { FactUnavailable } from '../../contract.js';
import type { PendingUpdate, PendingUpdatesFact } from '../../../../policy/posture/facts.js';
import { asList, bool, isRecord, parsePsJson, recordsOf, text } from '../ps-json.js';

export const SECURITY_CLASSIFICATIONS: readonly { id: string; name: string }[] = [
  { id: '0fa1201d-4330-4fa8-8ae9-b877473b6441', name: 'Security Updates' },
  { id: 'e6cf1350-c01b-414d-a61f-263d14d133b4', name: 'Critical Updates' },
];

const MAX_UPDATES = 5000;

interface Category {
  name?: string;
  id?: string;
  type?: string;
}

function categoriesOf(v: unknown): Category[] {
  return asList(v)
    .filter(isRecord)
    .map((c) => ({ name: text(c.Name), id: text(c.CategoryID, 64)?.toLowerCase(), type: text(c.Type, 64) }));
}

const isSecurityCategory = (c: Category): boolean =>
  SECURITY_CLASSIFICATIONS.some((s) => s.id === c.id || (c.name !== undefined && s.name.toLowerCase() === c.name.toLowerCase()));

/** "KB5044285" from the first KB article id, whether WUA gave "5044285" or 5044285. */
function kbOf(v: unknown): string | undefined {
  for (const k of asList(v)) {
    const digits = text(k, 32)?.replace(/^KB/i, '');
    if (digits !== undefined && /^\d{1,12}$/.test(digits)) return `KB${digits}`;
  }
  return undefined;
}

function updateOf(u: Record<string, unknown>): PendingUpdate | undefined {
  // Drivers and some definition updates have no KB: the update's GUID is the stable id then.
  const id = kbOf(u.KBArticleIDs) ?? text(u.UpdateID) ?? text(u.Title);
  if (!id) return undefined;
  const categories = categoriesOf(u.Categories);
  const severity = text(u.MsrcSeverity, 64);
  const update: PendingUpdate = { id, security: Boolean(severity) || categories.some(isSecurityCategory) };
  // The product category ("Windows 11", "Microsoft Edge") is what the update belongs to.
  const product = categories.find((c) => c.type === 'Product' && c.name)?.name;
  if (product) update.package = product;
  return update;
}

export function parsePendingUpdates(stdout: string): PendingUpdatesFact {
  const j = parsePsJson(stdout, 'Windows Update search');
  if (!isRecord(j)) throw new FactUnavailable('Windows Update search: no result printed');
  const byId = new Map<string, PendingUpdate>();
  for (const u of recordsOf(j.Updates, 'Windows Update search')) {
    const update = updateOf(u);
    if (update === undefined) continue;
    // One KB can come as several updates (per architecture or product): one entry, security if any is.
    const known = byId.get(update.id);
    if (known === undefined) byId.set(update.id, update);
    else known.security ||= update.security;
  }
  if (byId.size > MAX_UPDATES) throw new FactUnavailable(`Windows Update search: ${byId.size} updates, more than ${MAX_UPDATES}`);
  const fact: PendingUpdatesFact = { updates: [...byId.values()] };
  const reboot = bool(j.RebootRequired);
  if (reboot !== undefined) fact.rebootRequired = reboot;
  return fact;
}

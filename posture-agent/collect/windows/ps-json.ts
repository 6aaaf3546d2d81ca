/**
 * Reading what `ConvertTo-Json` prints, with its quirks handled once instead of in every parser:
 * - one item comes out as a bare object, not a one-element array (pipeline unrolling), and an
 *   empty pipeline prints nothing at all;
 * - Windows PowerShell 5.1 writes dates as "\/Date(1700000000000)\/" (JSON.parse leaves
 *   "/Date(1700000000000)/"), PowerShell 7 as ISO 8601 with an offset;
 * - enums come out as numbers unless the script formats them, booleans sometimes as "True".
 * Everything the host prints is untrusted input: helpers return undefined rather than throw, and
 * clip strings to the lengths the fact schema allows.
 */
import { FactUnavailable } from '../contract.js';

/** The parsed JSON, or undefined when the command printed nothing (an empty pipeline). */
export function parsePsJson(text: string, what: string): unknown {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new FactUnavailable(`${what}: output is not JSON (${JSON.stringify(body.slice(0, 60))})`);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ConvertTo-Json's single-object quirk undone: always a list. */
export function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The records of a list-shaped answer; anything else is not what the script prints. */
export function recordsOf(v: unknown, what: string): Record<string, unknown>[] {
  const list = asList(v);
  if (!list.every(isRecord)) throw new FactUnavailable(`${what}: expected objects`);
  return list as Record<string, unknown>[];
}

/** At most `max` code points, so a surrogate pair is never cut in half. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return Array.from(s).slice(0, max).join('');
}

/** A registry value as text: installers write versions as REG_SZ, REG_DWORD or REG_MULTI_SZ. */
export function text(v: unknown, max = 256): string | undefined {
  if (typeof v === 'string') return clip(v.trim(), max);
  if (typeof v === 'number' && Number.isFinite(v)) return clip(String(v), max);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return clip(v.join(' ').trim(), max);
  return undefined;
}

/** true/false, "True"/"False" (formatted enums), 1/0 (GpoBoolean and friends as numbers). */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
  }
  return undefined;
}

/** A finite number, also from its decimal text. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** Windows PowerShell 5.1's form; the offset, when present, is informational (the ms are UTC). */
const PS51_DATE = /^\/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
/**
 * Defender and WUA write FILETIME 0 (1601-01-01) for "never"; that is not a date. The upper bound
 * keeps toISOString in the four-digit years a date-time format accepts.
 */
const EARLIEST = Date.UTC(1980, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

/** A PowerShell date (either edition's form) as ISO 8601 UTC, or undefined when it is none. */
export function psDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  let ms: number;
  const m = PS51_DATE.exec(v.trim());
  if (m !== null) ms = Number(m[1]);
  // No zone (a DateTime of kind Unspecified) is read as UTC, not as the agent's local time.
  else if (ISO_DATE.test(v.trim())) ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(v.trim()) ? v.trim() : `${v.trim()}Z`);
  else return undefined;
  if (!Number.isFinite(ms) || ms < EARLIEST || ms > LATEST) return undefined;
  return new Date(ms).toISOString();
}

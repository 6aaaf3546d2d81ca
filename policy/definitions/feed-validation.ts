/**
 * Small helpers for validating untrusted feed documents by hand.
 *
 * Feeds are large and come from outside; when one is wrong, the operator needs to know exactly
 * where ("openssl.CVE-2024-0727.releases.bookworm.fixed_version: must be a string"), and the
 * importer must never fail with a TypeError from deep inside. Every failure is a KennekiError
 * with code KENNEKI_ERR_DEFINITIONS_INVALID and the path in both the message and `details.path`.
 */
import { KennekiError } from '../errors.js';
import { isRecord } from '../util/is-record.js';

export type JsonPath = readonly (string | number)[];

// Keys that read unambiguously without quoting; package names like "python3.11" stay readable.
const PLAIN_KEY = /^[A-Za-z0-9_+~@-][A-Za-z0-9_.+~@:-]*$/;

/** `openssl.CVE-2024-0727.releases`, `advisories[3].fixed`; `(root)` for the document itself. */
export function formatPath(path: JsonPath): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
    } else if (PLAIN_KEY.test(seg) && seg.length <= 100) {
      out += out === '' ? seg : `.${seg}`;
    } else {
      // Keys from garbage input can be huge or contain anything; keep the message bounded.
      out += `[${JSON.stringify(seg.length > 60 ? `${seg.slice(0, 60)}…` : seg)}]`;
    }
  }
  return out;
}

export function definitionsError(path: JsonPath, problem: string, cause?: unknown): KennekiError {
  const where = formatPath(path);
  return new KennekiError('KENNEKI_ERR_DEFINITIONS_INVALID', `${where}: ${problem}`, {
    cause,
    details: { path: where },
  });
}

export { isRecord };

/** An own property only: a feed key must never resolve to something on Object.prototype. */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function expectRecord(v: unknown, path: JsonPath): Record<string, unknown> {
  if (!isRecord(v)) throw definitionsError(path, 'must be an object');
  return v;
}

export function expectArray(v: unknown, path: JsonPath): unknown[] {
  if (!Array.isArray(v)) throw definitionsError(path, 'must be an array');
  return v;
}

export function expectString(v: unknown, path: JsonPath): string {
  if (typeof v !== 'string') throw definitionsError(path, 'must be a string');
  return v;
}

export function expectNonEmptyString(v: unknown, path: JsonPath): string {
  const s = expectString(v, path);
  if (s.trim() === '') throw definitionsError(path, 'must not be empty');
  return s;
}

export function optionalString(v: unknown, path: JsonPath): string | undefined {
  return v === undefined ? undefined : expectString(v, path);
}

// A calendar date or a full timestamp: "2026-11-01", "2026-11-01T08:00:00Z".
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function expectIsoDate(v: unknown, path: JsonPath): string {
  const s = expectString(v, path);
  if (!ISO_DATE.test(s) || Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s))) {
    throw definitionsError(path, 'must be an ISO 8601 date such as 2026-11-01');
  }
  return s;
}

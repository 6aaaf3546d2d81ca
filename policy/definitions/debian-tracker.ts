/**
 * Import of the Debian security tracker's JSON export
 * (https://security-tracker.debian.org/tracker/data/json).
 *
 * Shape: source package → issue id → { description?, scope?, debianbug?, releases }, where
 * releases maps a suite ("bookworm") to { status, repositories, fixed_version?, urgency, nodsa?,
 * nodsa_reason? }. Only `resolved` entries carry a fix; `fixed_version: "0"` is how the tracker
 * says "this suite was never affected", so neither produces an advisory.
 *
 * The export is tens of megabytes from outside: every value is type-checked, and anything wrong
 * fails the whole import with the JSON path, so a broken download never half-replaces the
 * definitions an installation is enforcing.
 */
import { isKennekiError } from '../errors.js';
import { parseDpkgVersion } from './dpkg-version.js';
import {
  definitionsError,
  expectRecord,
  expectString,
  isRecord,
  optionalString,
  own,
  type JsonPath,
} from './feed-validation.js';
import type { Advisory } from './view.js';

export interface DebianTrackerImportOptions {
  /** Suites to import ("bookworm", "trixie"); all suites when absent. */
  suites?: string[];
}

type Urgency = NonNullable<Advisory['urgency']>;

const STATUSES = new Set(['resolved', 'open', 'undetermined']);

// The tracker's urgencies, without the `*` / `**` suffixes it adds to mark urgencies that were
// derived rather than assessed by the security team; the level is what matters for grace.
const URGENCIES: ReadonlyMap<string, Urgency> = new Map<string, Urgency>([
  ['unimportant', 'unimportant'],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
]);

/** Maps a tracker urgency ("medium**", "not yet assigned", "end-of-life") to Advisory urgency. */
export function mapDebianUrgency(raw: string | undefined): Urgency {
  if (raw === undefined) return 'unknown';
  let end = raw.length;
  while (end > 0 && raw.charCodeAt(end - 1) === 42 /* * */) end--;
  return URGENCIES.get(raw.slice(0, end).trim().toLowerCase()) ?? 'unknown';
}

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

interface Release {
  status: string;
  fixedVersion?: string;
  urgency?: string;
}

function checkRelease(value: unknown, path: JsonPath): Release {
  const rel = expectRecord(value, path);
  const status = expectString(own(rel, 'status'), [...path, 'status']);
  if (!STATUSES.has(status)) {
    throw definitionsError([...path, 'status'], 'must be one of "resolved", "open", "undetermined"');
  }
  const repos = expectRecord(own(rel, 'repositories'), [...path, 'repositories']);
  for (const repo of Object.keys(repos)) expectString(repos[repo], [...path, 'repositories', repo]);
  const fixedVersion = optionalString(own(rel, 'fixed_version'), [...path, 'fixed_version']);
  const urgency = optionalString(own(rel, 'urgency'), [...path, 'urgency']);
  optionalString(own(rel, 'nodsa'), [...path, 'nodsa']);
  optionalString(own(rel, 'nodsa_reason'), [...path, 'nodsa_reason']);
  if (status === 'resolved') {
    // A resolved entry without its fixed version would silently drop a fix.
    expectString(own(rel, 'fixed_version'), [...path, 'fixed_version']);
    if (fixedVersion !== '0') {
      try {
        parseDpkgVersion(fixedVersion!);
      } catch (e) {
        const reason = isKennekiError(e) ? e.message : 'unparsable';
        throw definitionsError([...path, 'fixed_version'], `not a valid dpkg version (${reason})`, e);
      }
    }
  }
  const out: Release = { status };
  if (fixedVersion !== undefined) out.fixedVersion = fixedVersion;
  if (urgency !== undefined) out.urgency = urgency;
  return out;
}

function checkIssue(value: unknown, path: JsonPath): Record<string, unknown> {
  const issue = expectRecord(value, path);
  optionalString(own(issue, 'description'), [...path, 'description']);
  optionalString(own(issue, 'scope'), [...path, 'scope']);
  const bug = own(issue, 'debianbug');
  if (bug !== undefined && (typeof bug !== 'number' || !Number.isInteger(bug))) {
    throw definitionsError([...path, 'debianbug'], 'must be an integer');
  }
  return expectRecord(own(issue, 'releases'), [...path, 'releases']);
}

/**
 * One Advisory per (source package, suite, issue) that the tracker marks resolved with a real
 * fixed version. The platform is `debian:<suite>`; the tracker has no release dates, so
 * `releasedAt` stays unset and grace periods must count from when the feed was imported.
 *
 * Throws KENNEKI_ERR_DEFINITIONS_INVALID, naming the JSON path, for any malformed input.
 */
export function importDebianTracker(json: unknown, opts: DebianTrackerImportOptions = {}): Advisory[] {
  const wanted = opts.suites === undefined ? undefined : new Set(opts.suites);
  if (!isRecord(json)) throw definitionsError([], 'must be an object mapping source packages to issues');
  const advisories: Advisory[] = [];
  for (const pkg of Object.keys(json)) {
    const issues = expectRecord(json[pkg], [pkg]);
    for (const id of Object.keys(issues)) {
      const issuePath = [pkg, id];
      const releases = checkIssue(issues[id], issuePath);
      for (const suite of Object.keys(releases)) {
        const rel = checkRelease(releases[suite], [...issuePath, 'releases', suite]);
        if (rel.status !== 'resolved' || rel.fixedVersion === '0') continue;
        if (wanted !== undefined && !wanted.has(suite)) continue;
        advisories.push({
          id,
          platform: `debian:${suite}`,
          package: pkg,
          fixedVersion: rel.fixedVersion!,
          scheme: 'dpkg',
          // TEMP-… ids are the tracker's own placeholders for issues without a CVE yet.
          cves: CVE_ID.test(id) ? [id] : [],
          urgency: mapDebianUrgency(rel.urgency),
        });
      }
    }
  }
  return advisories;
}

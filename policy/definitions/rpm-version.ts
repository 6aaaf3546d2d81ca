/**
 * RPM version ordering: a port of rpm's `rpmvercmp()` (rpmio/rpmvercmp.c) and of the
 * epoch:version-release handling of `rpmEVRcmp()` (lib/rpmevr.c).
 *
 * Like the dpkg comparator it works on index ranges of the original strings, because it runs
 * once per installed package per advisory.
 */
import { KennekiError } from '../errors.js';

export interface RpmVersion {
  /** "0" when absent, as rpm treats a missing epoch. */
  epoch: string;
  version: string;
  /** Undefined when there is no `-release`. */
  release?: string;
}

const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const CH_TILDE = 126;
const CH_CARET = 94;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isAlpha(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

function invalid(s: unknown, reason: string): KennekiError {
  const shown = typeof s === 'string' ? (s.length > 80 ? `${s.slice(0, 80)}…` : s) : typeof s;
  return new KennekiError('KENNEKI_ERR_VERSION_INVALID', `invalid rpm version "${shown}": ${reason}`, {
    details: { scheme: 'rpm', reason },
  });
}

// rpm itself accepts almost anything; we only refuse what no package manager ever produces, so
// that garbage from an endpoint is reported instead of being ordered by accident.
function validate(s: unknown): asserts s is string {
  if (typeof s !== 'string') throw invalid(s, 'version must be a string');
  if (s.length === 0) throw invalid(s, 'version string is empty');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) throw invalid(s, `invalid character at offset ${i}`);
  }
}

/** rpmvercmp() over `a[ai, ae)` and `b[bi, be)`: -1, 0 or 1. */
function rpmvercmp(a: string, ai: number, ae: number, b: string, bi: number, be: number): number {
  if (ae - ai === be - bi && compareRange(a, ai, ae, b, bi, be) === 0) return 0;
  while (ai < ae || bi < be) {
    // Anything but letters, digits, `~` and `^` only separates segments.
    while (ai < ae) {
      const c = a.charCodeAt(ai);
      if (isDigit(c) || isAlpha(c) || c === CH_TILDE || c === CH_CARET) break;
      ai++;
    }
    while (bi < be) {
      const c = b.charCodeAt(bi);
      if (isDigit(c) || isAlpha(c) || c === CH_TILDE || c === CH_CARET) break;
      bi++;
    }
    const ca = ai < ae ? a.charCodeAt(ai) : 0;
    const cb = bi < be ? b.charCodeAt(bi) : 0;
    // `~` sorts before everything, the end of the string included (pre-releases).
    if (ca === CH_TILDE || cb === CH_TILDE) {
      if (ca !== CH_TILDE) return 1;
      if (cb !== CH_TILDE) return -1;
      ai++;
      bi++;
      continue;
    }
    // `^` sorts after the end of the string but before anything else (post-release snapshots).
    if (ca === CH_CARET || cb === CH_CARET) {
      if (ai >= ae) return -1;
      if (bi >= be) return 1;
      if (ca !== CH_CARET) return 1;
      if (cb !== CH_CARET) return -1;
      ai++;
      bi++;
      continue;
    }
    if (ai >= ae || bi >= be) break;

    let sa = ai;
    let sb = bi;
    const numeric = isDigit(ca);
    if (numeric) {
      while (sa < ae && isDigit(a.charCodeAt(sa))) sa++;
      while (sb < be && isDigit(b.charCodeAt(sb))) sb++;
    } else {
      while (sa < ae && isAlpha(a.charCodeAt(sa))) sa++;
      while (sb < be && isAlpha(b.charCodeAt(sb))) sb++;
    }
    // Segments of different kinds: a number is newer than letters.
    if (sb === bi) return numeric ? 1 : -1;
    if (numeric) {
      while (ai < sa && a.charCodeAt(ai) === CH_0) ai++;
      while (bi < sb && b.charCodeAt(bi) === CH_0) bi++;
      if (sa - ai !== sb - bi) return sa - ai > sb - bi ? 1 : -1;
    }
    const rc = compareRange(a, ai, sa, b, bi, sb);
    if (rc !== 0) return rc;
    ai = sa;
    bi = sb;
  }
  if (ai >= ae && bi >= be) return 0;
  return ai >= ae ? -1 : 1;
}

// strcmp() on two ranges.
function compareRange(a: string, ai: number, ae: number, b: string, bi: number, be: number): number {
  while (ai < ae && bi < be) {
    const d = a.charCodeAt(ai) - b.charCodeAt(bi);
    if (d !== 0) return d < 0 ? -1 : 1;
    ai++;
    bi++;
  }
  if (ai < ae) return 1;
  if (bi < be) return -1;
  return 0;
}

interface Evr {
  epochStart: number;
  epochEnd: number;
  versionStart: number;
  versionEnd: number;
  /** -1 when there is no release. */
  releaseStart: number;
}

// rpm's parseEVR(): leading digits followed by `:` are the epoch; the release follows the last `-`.
function split(s: string): Evr {
  let i = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  const hasEpoch = i < s.length && s.charCodeAt(i) === CH_COLON;
  const versionStart = hasEpoch ? i + 1 : 0;
  const hyphen = s.lastIndexOf('-');
  const hasRelease = hyphen >= versionStart;
  return {
    epochStart: 0,
    epochEnd: hasEpoch ? i : 0,
    versionStart,
    versionEnd: hasRelease ? hyphen : s.length,
    releaseStart: hasRelease ? hyphen + 1 : -1,
  };
}

/** Splits `[epoch:]version[-release]` the way rpm does. */
export function parseRpmVersion(s: string): RpmVersion {
  validate(s);
  const p = split(s);
  if (p.versionEnd === p.versionStart) throw invalid(s, 'version is empty');
  const out: RpmVersion = {
    epoch: p.epochEnd > 0 ? s.slice(0, p.epochEnd) : '0',
    version: s.slice(p.versionStart, p.versionEnd),
  };
  if (p.releaseStart !== -1) out.release = s.slice(p.releaseStart);
  return out;
}

/**
 * Orders two `[epoch:]version[-release]` strings: -1, 0 or 1.
 *
 * As in rpm's dependency matching, the release only counts when both sides have one, so an
 * advisory saying "fixed in 1.2.3" is satisfied by every 1.2.3-N build.
 */
export function compareRpmVersions(a: string, b: string): number {
  validate(a);
  validate(b);
  const pa = split(a);
  const pb = split(b);
  if (pa.versionEnd === pa.versionStart) throw invalid(a, 'version is empty');
  if (pb.versionEnd === pb.versionStart) throw invalid(b, 'version is empty');
  // A missing (or empty) epoch is "0".
  const rcEpoch =
    pa.epochEnd === 0 && pb.epochEnd === 0
      ? 0
      : rpmvercmp(pa.epochEnd === 0 ? '0' : a, 0, pa.epochEnd === 0 ? 1 : pa.epochEnd, pb.epochEnd === 0 ? '0' : b, 0, pb.epochEnd === 0 ? 1 : pb.epochEnd);
  if (rcEpoch !== 0) return rcEpoch;
  const rcVersion = rpmvercmp(a, pa.versionStart, pa.versionEnd, b, pb.versionStart, pb.versionEnd);
  if (rcVersion !== 0) return rcVersion;
  if (pa.releaseStart === -1 || pb.releaseStart === -1) return 0;
  if (pa.releaseStart === a.length || pb.releaseStart === b.length) return 0;
  return rpmvercmp(a, pa.releaseStart, a.length, b, pb.releaseStart, b.length);
}

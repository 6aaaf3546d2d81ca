/**
 * Debian package version ordering, as `dpkg --compare-versions` does it.
 *
 * This is a port of dpkg's `parseversion()` (lib/dpkg/parsehelp.c) and `verrevcmp()` /
 * `dpkg_version_compare()` (lib/dpkg/version.c). Ordering must agree with dpkg bit for bit:
 * a single disagreement turns "fixed in 3.0.11-1~deb12u2" into a false alarm or, worse, a
 * missed vulnerability. The test suite checks it against the real dpkg binary.
 *
 * Comparison runs in hot loops (every installed package against every advisory), so it works
 * on index ranges of the original strings: no substrings, no regular expressions, no caches.
 */
import { KennekiError } from '../errors.js';

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  /** Empty when the version has no `-revision`; dpkg orders "" exactly like "0". */
  revision: string;
}

const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const CH_HYPHEN = 45;
const CH_PLUS = 43;
const CH_DOT = 46;
const CH_TILDE = 126;
const CH_SPACE = 32;
const CH_TAB = 9;
const INT_MAX = 2147483647;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

// dpkg uses the C locale's isalpha: ASCII letters only.
function isAlpha(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

// C isspace: space, \t, \n, \v, \f, \r.
function isSpace(c: number): boolean {
  return c === CH_SPACE || (c >= 9 && c <= 13);
}

// Where the parts of a version sit in its string: slots of the fixed-size arrays that locate()
// writes. Two module-level arrays serve compareDpkgVersions(), which never re-enters itself.
const EPOCH = 0;
const UP_START = 1;
const UP_END = 2;
const REV_START = 3;
const REV_END = 4;
const scratchA = new Int32Array(5);
const scratchB = new Int32Array(5);

function invalid(s: unknown, reason: string): KennekiError {
  const shown = typeof s === 'string' ? (s.length > 80 ? `${s.slice(0, 80)}…` : s) : typeof s;
  return new KennekiError('KENNEKI_ERR_VERSION_INVALID', `invalid dpkg version "${shown}": ${reason}`, {
    details: { scheme: 'dpkg', reason },
  });
}

/**
 * Validates `s` like dpkg's parseversion() and records where epoch, upstream and revision are.
 * dpkg only warns about a leading non-digit or a bad character; we reject those too, because a
 * feed or an inventory that contains them is broken and comparing them would be guesswork.
 */
function locate(s: unknown, out: Int32Array): void {
  if (typeof s !== 'string') throw invalid(s, 'version must be a string');
  let start = 0;
  let end = s.length;
  // dpkg trims leading blanks, then requires that nothing but whitespace follows the token.
  while (start < end && (s.charCodeAt(start) === CH_SPACE || s.charCodeAt(start) === CH_TAB)) start++;
  if (start === end) throw invalid(s, 'version string is empty');
  let tokenEnd = start;
  while (tokenEnd < end && !isSpace(s.charCodeAt(tokenEnd))) tokenEnd++;
  for (let i = tokenEnd; i < end; i++) {
    if (!isSpace(s.charCodeAt(i))) throw invalid(s, 'version string has embedded spaces');
  }
  end = tokenEnd;

  let epoch = 0;
  let versionStart = start;
  const colon = s.indexOf(':', start);
  if (colon !== -1 && colon < end) {
    // Mirrors strtol(): an optional sign, then digits, and the digits must end at the colon.
    let i = start;
    let negative = false;
    const sign = s.charCodeAt(i);
    if (sign === CH_PLUS || sign === CH_HYPHEN) {
      negative = sign === CH_HYPHEN;
      i++;
    }
    const digitsStart = i;
    let value = 0;
    while (i < end && isDigit(s.charCodeAt(i))) {
      if (value <= INT_MAX) value = value * 10 + (s.charCodeAt(i) - CH_0);
      i++;
    }
    if (i === digitsStart) throw invalid(s, 'epoch in version is empty');
    if (i !== colon) throw invalid(s, 'epoch in version is not number');
    if (negative && value !== 0) throw invalid(s, 'epoch in version is negative');
    if (value > INT_MAX) throw invalid(s, 'epoch in version is too big');
    if (colon + 1 === end) throw invalid(s, 'nothing after colon in version number');
    epoch = value;
    versionStart = colon + 1;
  }

  // The revision starts after the LAST hyphen, so upstream versions may contain hyphens.
  let upEnd = end;
  let revStart = end;
  const hyphen = s.lastIndexOf('-', end - 1);
  if (hyphen >= versionStart) {
    if (hyphen + 1 === end) throw invalid(s, 'revision number is empty');
    upEnd = hyphen;
    revStart = hyphen + 1;
  }
  if (upEnd === versionStart) throw invalid(s, 'version number is empty');
  if (!isDigit(s.charCodeAt(versionStart))) throw invalid(s, 'version number does not start with digit');
  for (let i = versionStart + 1; i < upEnd; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && c !== CH_DOT && c !== CH_HYPHEN && c !== CH_PLUS && c !== CH_TILDE && c !== CH_COLON) {
      throw invalid(s, `invalid character "${s[i]}" in version number`);
    }
  }
  for (let i = revStart; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && c !== CH_DOT && c !== CH_PLUS && c !== CH_TILDE) {
      throw invalid(s, `invalid character "${s[i]}" in revision number`);
    }
  }
  out[EPOCH] = epoch;
  out[UP_START] = versionStart;
  out[UP_END] = upEnd;
  out[REV_START] = revStart;
  out[REV_END] = end;
}

/** Parses `[epoch:]upstream[-revision]`; throws KENNEKI_ERR_VERSION_INVALID saying what is wrong. */
export function parseDpkgVersion(s: string): DpkgVersion {
  const at = new Int32Array(5);
  locate(s, at);
  return {
    epoch: at[EPOCH]!,
    upstream: s.slice(at[UP_START], at[UP_END]),
    revision: s.slice(at[REV_START], at[REV_END]),
  };
}

// dpkg's order(): `~` before everything (even the end of the string), then end and digits,
// then letters, then all other characters.
function order(c: number): number {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === CH_TILDE) return -1;
  return c + 256;
}

/** dpkg's verrevcmp() over `a[ai, ae)` and `b[bi, be)`; only the sign of the result matters. */
function verrevcmp(a: string, ai: number, ae: number, b: string, bi: number, be: number): number {
  while (ai < ae || bi < be) {
    let firstDiff = 0;
    for (;;) {
      const ac = ai < ae ? a.charCodeAt(ai) : -1;
      const bc = bi < be ? b.charCodeAt(bi) : -1;
      const aText = ac !== -1 && !isDigit(ac);
      const bText = bc !== -1 && !isDigit(bc);
      if (!aText && !bText) break;
      // End of string and a digit both rank 0, as NUL does in dpkg.
      const ao = aText ? order(ac) : 0;
      const bo = bText ? order(bc) : 0;
      if (ao !== bo) return ao - bo;
      ai++;
      bi++;
    }
    while (ai < ae && a.charCodeAt(ai) === CH_0) ai++;
    while (bi < be && b.charCodeAt(bi) === CH_0) bi++;
    while (ai < ae && bi < be) {
      const ac = a.charCodeAt(ai);
      const bc = b.charCodeAt(bi);
      if (!isDigit(ac) || !isDigit(bc)) break;
      if (firstDiff === 0) firstDiff = ac - bc;
      ai++;
      bi++;
    }
    // A longer digit run (after leading zeros) is the bigger number.
    if (ai < ae && isDigit(a.charCodeAt(ai))) return 1;
    if (bi < be && isDigit(b.charCodeAt(bi))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Orders two dpkg versions: -1, 0 or 1. Throws KENNEKI_ERR_VERSION_INVALID for invalid input. */
export function compareDpkgVersions(a: string, b: string): number {
  locate(a, scratchA);
  locate(b, scratchB);
  const ea = scratchA[EPOCH]!;
  const eb = scratchB[EPOCH]!;
  if (ea !== eb) return ea > eb ? 1 : -1;
  const up = verrevcmp(a, scratchA[UP_START]!, scratchA[UP_END]!, b, scratchB[UP_START]!, scratchB[UP_END]!);
  if (up !== 0) return sign(up);
  return sign(verrevcmp(a, scratchA[REV_START]!, scratchA[REV_END]!, b, scratchB[REV_START]!, scratchB[REV_END]!));
}

/** Orders two already parsed versions (same result as comparing their strings). */
export function compareParsedDpkgVersions(a: DpkgVersion, b: DpkgVersion): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  const up = verrevcmp(a.upstream, 0, a.upstream.length, b.upstream, 0, b.upstream.length);
  if (up !== 0) return sign(up);
  return sign(verrevcmp(a.revision, 0, a.revision.length, b.revision, 0, b.revision.length));
}

/**
 * Dotted numeric versions, as Windows ("10.0.22631.4317": major.minor.build.UBR) and macOS
 * ("15.1", "14.7.1") report them. Missing trailing segments count as zero, so "15.1" equals
 * "15.1.0": macOS drops the patch level of a x.y.0 release.
 */
import { KennekiError } from '../errors.js';
import { compareDigitRuns } from './digit-runs.js';

const CH_DOT = 46;

function invalid(s: unknown, reason: string): KennekiError {
  const shown = typeof s === 'string' ? (s.length > 80 ? `${s.slice(0, 80)}…` : s) : typeof s;
  return new KennekiError('KENNEKI_ERR_VERSION_INVALID', `invalid dotted version "${shown}": ${reason}`, {
    details: { scheme: 'dotted', reason },
  });
}

function validate(s: unknown): asserts s is string {
  if (typeof s !== 'string') throw invalid(s, 'version must be a string');
  if (s.length === 0) throw invalid(s, 'version string is empty');
  let segmentStart = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : CH_DOT;
    if (c === CH_DOT) {
      if (i === segmentStart) throw invalid(s, 'empty segment');
      segmentStart = i + 1;
    } else if (c < 48 || c > 57) {
      throw invalid(s, `invalid character "${s[i]}": only digits and dots are allowed`);
    }
  }
}

/** The numeric segments of a dotted version, as digit strings (they may exceed 2^53). */
export function parseDottedVersion(s: string): string[] {
  validate(s);
  return s.split('.');
}

function segmentEnd(s: string, from: number): number {
  const dot = s.indexOf('.', from);
  return dot === -1 ? s.length : dot;
}

/** Orders two dotted versions: -1, 0 or 1. */
export function compareDottedVersions(a: string, b: string): number {
  validate(a);
  validate(b);
  let ai = 0;
  let bi = 0;
  while (ai < a.length || bi < b.length) {
    // An exhausted side yields an empty range, which compares as zero.
    const ae = segmentEnd(a, ai);
    const be = segmentEnd(b, bi);
    const rc = compareDigitRuns(a, ai, ae, b, bi, be);
    if (rc !== 0) return rc;
    ai = ae < a.length ? ae + 1 : a.length;
    bi = be < b.length ? be + 1 : b.length;
  }
  return 0;
}

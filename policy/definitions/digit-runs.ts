/**
 * Comparing runs of decimal digits as numbers without converting them: version segments such as
 * Windows build numbers or date stamps ("20240101120000") can exceed what a double holds exactly.
 */

/** Compares the digit runs `a[ai, ae)` and `b[bi, be)` numerically: -1, 0 or 1. */
export function compareDigitRuns(a: string, ai: number, ae: number, b: string, bi: number, be: number): number {
  while (ai < ae && a.charCodeAt(ai) === 48) ai++;
  while (bi < be && b.charCodeAt(bi) === 48) bi++;
  // Without leading zeros, the longer run is the bigger number.
  if (ae - ai !== be - bi) return ae - ai > be - bi ? 1 : -1;
  for (; ai < ae; ai++, bi++) {
    const d = a.charCodeAt(ai) - b.charCodeAt(bi);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Which Apple updates are security updates. softwareupdate has no such flag, so it goes by name;
 * the names are data, kept here, so a new Apple scheme is one line.
 *
 * A macOS point release ("macOS Sonoma 14.7.1") counts: Apple ships most fixes in them. A newer
 * major release offered to the host ("macOS Sequoia 15.1" on a Sonoma Mac) does not: Apple keeps
 * patching the previous majors, and a policy that quarantined everyone who had not upgraded is the
 * very complaint posture-checks.md warns about. When the host's major is unknown, only an X.0
 * release is taken for an upgrade.
 */

/** Names Apple gives to security-only releases, old and new. */
export const SECURITY_UPDATE_NAMES: readonly RegExp[] = [
  /\bSecurity Update\b/i, // "Security Update 2019-004", "Security Update 2022-005 Catalina"
  /\bBackground Security Improvement/i, // macOS 26 and later
  /\bRapid Security Response\b/i, // macOS 13 – 15
  /\bSecurity Response\b/i,
];

/** "macOS Sonoma 14.7.1", "macOS Ventura 13.4.1 (a)", "macOS 26.1"; also in labels ("…-23H222"). */
const MACOS_RELEASE = /\bmacOS(?:\s+[A-Za-z]+)*\s+(\d{2,3})\.(\d{1,3})(?:\.(\d{1,3}))?/;

export function isSecurityUpdate(label: string, title: string | undefined, osMajor: number | undefined): boolean {
  const names = title === undefined ? [label] : [title, label];
  if (names.some((n) => SECURITY_UPDATE_NAMES.some((re) => re.test(n)))) return true;
  for (const n of names) {
    const m = MACOS_RELEASE.exec(n);
    if (m === null) continue;
    const major = Number(m[1]);
    if (osMajor !== undefined) return major <= osMajor;
    return Number(m[2]) > 0 || Number(m[3] ?? 0) > 0;
  }
  return false;
}

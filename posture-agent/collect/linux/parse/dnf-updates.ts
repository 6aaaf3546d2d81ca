/**
 * `dnf -q check-update` and `dnf -q updateinfo list --security` → the pending updates.
 *
 * check-update lists every available update, one per line: `openssl.x86_64  1:3.0.7-27.el9  baseos`
 * (a long name wraps the rest onto the next line; "Security: … is an installed security update"
 * notes have more columns and are skipped). updateinfo lists the security advisories that apply,
 * one per package build: `RHSA-2024:2447 Important/Sec. openssl-1:3.0.7-27.el9.x86_64`.
 * An update is a security update when an advisory names its package.
 */
import type { PendingUpdate } from '../../../../policy/posture/facts.js';
import { MAX_UPDATES } from './apt-simulate.js';
import { lines, unavailable } from './text.js';

const NAME_ARCH = /^([A-Za-z0-9_+.-]+)\.(x86_64|aarch64|i686|noarch|ppc64le|s390x|src|armv7hl)$/;
const EVR = /^[A-Za-z0-9._+~^:-]+$/;

/** Package names of the security advisories' builds (NEVRA: name-[epoch:]version-release.arch). */
export function parseDnfSecurity(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of lines(text)) {
    const cols = line.trim().split(/\s+/);
    const nevra = cols[2];
    if (cols.length !== 3 || nevra === undefined || !/\/Sec\.$/.test(cols[1] ?? '')) continue;
    const withoutArch = nevra.replace(/\.[^.]+$/, '');
    // The last two dash-separated parts are [epoch:]version and release.
    const parts = withoutArch.split('-');
    if (parts.length < 3) continue;
    names.add(parts.slice(0, -2).join('-'));
  }
  return names;
}

export function parseDnfCheckUpdate(text: string, securityNames: ReadonlySet<string>): PendingUpdate[] {
  // The "Obsoleting Packages" section repeats packages with what they replace: not updates.
  const body = text.split(/^Obsoleting Packages/m)[0] ?? '';
  const rows = lines(body).map((l) => l.trim().split(/\s+/).filter((t) => t.length > 0));
  const byKey = new Map<string, PendingUpdate>();
  for (let i = 0; i < rows.length; i++) {
    let cols = rows[i] ?? [];
    // A name too long for its column is printed alone, the version and repository on the next line.
    if (cols.length === 1 && rows[i + 1]?.length === 2) cols = [...cols, ...(rows[++i] ?? [])];
    if (cols.length !== 3) continue;
    const m = NAME_ARCH.exec(cols[0] ?? '');
    const version = cols[1] ?? '';
    if (m === null || !EVR.test(version)) continue;
    const name = m[1] ?? '';
    if (name.length > 256 || version.length > 128) continue;
    byKey.set(`${name}\t${version}`, { id: name, package: name, version, security: securityNames.has(name) });
  }
  const updates = [...byKey.values()];
  if (updates.length > MAX_UPDATES) unavailable(`dnf listed ${updates.length} updates, more than ${MAX_UPDATES}`);
  return updates;
}

/**
 * `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\n'` → the installed packages.
 *
 * The epoch is part of the version as rpm compares it, so it stays ("1:3.0.7-27.el9"); rpm
 * prints "(none)" for packages without one, and those get none. `gpg-pubkey` entries are the
 * imported signing keys rpm stores as pseudo-packages, not software, and are left out.
 */
import type { InstalledPackage, PackagesFact } from '../../../../policy/posture/facts.js';
import { MAX_PACKAGES } from './dpkg-query.js';
import { excerpt, lines, unavailable } from './text.js';

const RPM_NAME = /^[A-Za-z0-9_+.-]+$/;
const RPM_EVR = /^[A-Za-z0-9._+~^-]+$/;

export function parseRpmQa(text: string): PackagesFact {
  const seen = new Set<string>();
  const packages: InstalledPackage[] = [];
  for (const line of lines(text)) {
    const [name, epoch, vr] = line.split('\t');
    if (name === undefined || epoch === undefined || vr === undefined) continue;
    if (name === 'gpg-pubkey' || !RPM_NAME.test(name) || name.length > 256 || !RPM_EVR.test(vr)) continue;
    if (epoch !== '(none)' && !/^\d{1,10}$/.test(epoch)) continue;
    const version = epoch === '(none)' ? vr : `${epoch}:${vr}`;
    if (version.length > 128) continue;
    // Several kernels are installed side by side (different versions: all kept); i686 and
    // x86_64 builds of one version collapse.
    const key = `${name}\t${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    packages.push({ name, version });
  }
  if (packages.length === 0) unavailable(`rpm listed no installed package: ${excerpt(text)}`);
  if (packages.length > MAX_PACKAGES) unavailable(`rpm listed ${packages.length} packages, more than ${MAX_PACKAGES}`);
  return { manager: 'rpm', packages };
}

/**
 * `dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\n'` → the installed packages.
 *
 * dpkg-query -W lists every package dpkg knows, including removed ones whose configuration is
 * left ("rc") and half-installed ones. The second letter of the status is the installation
 * state; only "i" (installed) is kept. The first letter is only a wish (install, hold, remove,
 * purge): a package marked for removal ("ri") is still on disk, so it still counts.
 */
import type { InstalledPackage, PackagesFact } from '../../../../policy/posture/facts.js';
import { excerpt, lines, unavailable } from './text.js';

/** Debian Policy 5.6.1 / 5.6.12; anything else is not a package line (a warning, noise). */
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const DEB_VERSION = /^[A-Za-z0-9.+~:-]+$/;
export const MAX_PACKAGES = 50_000;

export function parseDpkgQuery(text: string): PackagesFact {
  const seen = new Set<string>();
  const packages: InstalledPackage[] = [];
  for (const line of lines(text)) {
    const [status, name, version] = line.split('\t');
    if (status === undefined || name === undefined || version === undefined) continue;
    if (status[1] !== 'i' || !DEB_NAME.test(name) || name.length > 256) continue;
    if (!DEB_VERSION.test(version) || version.length > 128) continue;
    // Multi-Arch: same packages are listed once per architecture, with one version.
    const key = `${name}\t${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    packages.push({ name, version });
  }
  if (packages.length === 0) unavailable(`dpkg-query listed no installed package: ${excerpt(text)}`);
  if (packages.length > MAX_PACKAGES) unavailable(`dpkg-query listed ${packages.length} packages, more than ${MAX_PACKAGES}`);
  return { manager: 'dpkg', packages };
}

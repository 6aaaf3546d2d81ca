/**
 * Installed programs from the Uninstall registry keys (scripts.ts PACKAGES_SCRIPT): what Programs
 * and Features lists, 64-bit, 32-bit and per-user.
 */
import { FactUnavailable } from '../../contract.js';
import type { PackagesFact } from '../../../../policy/posture/facts.js';
import { recordsOf, parsePsJson, text } from '../ps-json.js';

/** The schema's bound; a longer list is not a real machine's and is refused rather than cut. */
const MAX_PACKAGES = 50_000;

export function parsePackages(stdout: string): PackagesFact {
  const entries = recordsOf(parsePsJson(stdout, 'Uninstall keys'), 'Uninstall keys');
  const seen = new Set<string>();
  const packages: PackagesFact['packages'] = [];
  for (const e of entries) {
    const name = text(e.DisplayName);
    if (!name) continue;
    // Many installers write no DisplayVersion; the entry is kept, since a forbidden-software rule
    // matches by name alone. The same program often appears under both views: listed once.
    const version = text(e.DisplayVersion, 128) ?? '';
    const key = `${name}\u0000${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    packages.push({ name, version });
  }
  if (packages.length > MAX_PACKAGES) throw new FactUnavailable(`Uninstall keys: ${packages.length} entries, more than ${MAX_PACKAGES}`);
  return { manager: 'uninstall-registry', packages };
}

/**
 * `system_profiler SPApplicationsDataType -json -detailLevel mini` → installed apps.
 *
 * An app bundle without a version (no CFBundleShortVersionString: helper bundles, old or broken
 * apps) is kept with an empty version rather than skipped or given "0": definitions also forbid
 * apps by name, and skipping would hide exactly the odd bundles an admin wants to see, while "0"
 * would invent a version that looks real to a version comparison. Empty says "not reported".
 */
import type { InstalledPackage } from '../../../../policy/posture/facts.js';
import { FactUnavailable } from '../../contract.js';

/** FACT_VALUE_SCHEMAS.packages bounds. */
const MAX_APPS = 50_000;
const MAX_NAME = 256;
const MAX_VERSION = 128;

export function parseApplications(text: string): InstalledPackage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FactUnavailable('system_profiler did not print JSON');
  }
  const items = (doc as { SPApplicationsDataType?: unknown } | null)?.SPApplicationsDataType;
  if (!Array.isArray(items)) throw new FactUnavailable('system_profiler JSON has no SPApplicationsDataType list');

  const seen = new Set<string>();
  const apps: InstalledPackage[] = [];
  for (const item of items as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { _name: name, version } = item as { _name?: unknown; version?: unknown };
    if (typeof name !== 'string' || name.trim() === '') continue;
    const app = {
      // Cut at the schema's limit rather than drop: the name still identifies the app.
      name: name.slice(0, MAX_NAME),
      version: typeof version === 'string' && version.length <= MAX_VERSION ? version.trim() : '',
    };
    // The same app copied to two places is one package to policy.
    const key = `${app.name}\u0000${app.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    apps.push(app);
  }
  if (apps.length > MAX_APPS) throw new FactUnavailable(`system_profiler listed ${apps.length} apps, over ${MAX_APPS}`);
  // Stable order, so an unchanged inventory reports identically (and digests alike).
  return apps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

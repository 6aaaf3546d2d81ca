/**
 * `sw_vers` → the OS release. Output is `Key:<tabs>Value` lines; the number of tabs changed across
 * releases (one up to macOS 12, two for the short keys since 13), so split on the first colon.
 * macOS 13+ adds `ProductVersionExtra: (a)` after a Rapid Security Response; the build number
 * (22F770820d) already identifies it, so the version stays a plain dotted number that policy can
 * compare with a minimum.
 */
import { FactUnavailable } from '../../contract.js';

export interface SwVers {
  productName: string;
  /** "15.1", "13.4.1". */
  productVersion: string;
  buildVersion?: string;
  /** "(a)" after a Rapid Security Response. */
  productVersionExtra?: string;
}

const VERSION = /^\d{1,3}(\.\d{1,4}){0,3}$/;
const BUILD = /^[0-9A-Za-z]{1,32}$/;

export function parseSwVers(text: string): SwVers {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const productVersion = fields.get('ProductVersion');
  if (productVersion === undefined) throw new FactUnavailable('sw_vers printed no ProductVersion');
  if (!VERSION.test(productVersion)) throw new FactUnavailable(`sw_vers ProductVersion is not a version: ${JSON.stringify(productVersion.slice(0, 40))}`);
  const out: SwVers = { productName: fields.get('ProductName') ?? '', productVersion };
  const build = fields.get('BuildVersion');
  if (build !== undefined && BUILD.test(build)) out.buildVersion = build;
  const extra = fields.get('ProductVersionExtra');
  if (extra !== undefined && extra !== '') out.productVersionExtra = extra.slice(0, 16);
  return out;
}

/** The major release (15 for "15.1"), which decides what exists on the host (alf plist, xprotect tool). */
export function majorOf(version: string): number {
  return Number.parseInt(version, 10);
}

/** `uname -m`: "arm64" or "x86_64". Under Rosetta an x86_64 agent sees "x86_64" on Apple silicon. */
export function parseUnameMachine(text: string): string {
  const arch = text.trim();
  if (!/^[A-Za-z0-9_]{1,32}$/.test(arch)) throw new FactUnavailable(`uname -m printed no architecture: ${JSON.stringify(arch.slice(0, 40))}`);
  return arch;
}

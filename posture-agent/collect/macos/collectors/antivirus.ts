/**
 * XProtect, the anti-malware built into macOS, through a fallback chain: Sequoia moved the bundle
 * XProtect actually uses to /var/protected (updated over iCloud) and added the `xprotect` tool,
 * while the old place keeps whatever softwareupdate last put there, possibly stale. So the newest
 * source is asked first and the old plist last.
 *
 * XProtect cannot be switched off short of disabling SIP (reported as secureBoot), and it runs on
 * demand whenever macOS checks code, so a present bundle is reported running and enabled.
 * Third-party products (Defender for Endpoint, CrowdStrike, SentinelOne…) are out of scope here:
 * each has its own CLI (`mdatp health`, `falconctl stats`, `sentinelctl status`) and would be a
 * further product in the list, not a replacement for XProtect.
 */
import type { AntivirusProduct } from '../../../../policy/posture/facts.js';
import { firstOf, stdoutOf, type Collector, type HostProbe } from '../../contract.js';
import { XPROTECT_DEFAULTS, XPROTECT_PLIST_LEGACY, XPROTECT_PLIST_SEQUOIA, XPROTECT_VERSION } from '../commands.js';
import { parseDefaultsVersion, parseInfoPlistVersion, parseXProtectVersionTool } from '../parse/xprotect.js';

interface Found {
  /** Parsed to prove a real bundle is there; AntivirusProduct has no field for it yet. */
  version: string;
  /** The plist whose modification time says when the signatures were installed. */
  plist: string;
}

async function fromPlist(host: HostProbe, path: string): Promise<Found | undefined> {
  const text = await host.readFile(path);
  return text === undefined ? undefined : { version: parseInfoPlistVersion(text), plist: path };
}

/** A date the schema's date-time accepts (four-digit years), or none. */
function isoOrUndefined(d: Date | undefined): string | undefined {
  if (d === undefined || Number.isNaN(d.getTime())) return undefined;
  const year = d.getUTCFullYear();
  return year >= 1970 && year <= 9999 ? d.toISOString() : undefined;
}

export const antivirusCollector: Collector<'antivirus'> = {
  fact: 'antivirus',
  describe: 'XProtect signature version and install time (xprotect version, XProtect.bundle Info.plist)',
  async collect(host) {
    const found = await firstOf<Found>([
      {
        name: 'xprotect version',
        read: async () => {
          const version = parseXProtectVersionTool(await stdoutOf(host, XPROTECT_VERSION));
          return version === undefined ? undefined : { version, plist: XPROTECT_PLIST_SEQUOIA };
        },
      },
      { name: XPROTECT_PLIST_SEQUOIA, read: () => fromPlist(host, XPROTECT_PLIST_SEQUOIA) },
      { name: XPROTECT_PLIST_LEGACY, read: () => fromPlist(host, XPROTECT_PLIST_LEGACY) },
      {
        name: 'defaults read',
        read: async () => ({ version: parseDefaultsVersion(await stdoutOf(host, XPROTECT_DEFAULTS)), plist: XPROTECT_PLIST_LEGACY }),
      },
    ]);
    const product: AntivirusProduct = { name: 'XProtect', running: true, enabled: true };
    const updatedAt = isoOrUndefined(await host.mtime(found.plist));
    if (updatedAt !== undefined) product.signaturesUpdatedAt = updatedAt;
    return { products: [product] };
  },
};

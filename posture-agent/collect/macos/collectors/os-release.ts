/**
 * The host's macOS release, shared by the collectors whose sources depend on it (the firewall
 * plist exists only up to 14; an offered 15.x is an upgrade, not a patch, on 14).
 */
import { stdoutOf, type HostProbe } from '../../contract.js';
import { SW_VERS } from '../commands.js';
import { majorOf, parseSwVers, type SwVers } from '../parse/sw-vers.js';

export async function readSwVers(host: HostProbe): Promise<SwVers> {
  return parseSwVers(await stdoutOf(host, SW_VERS));
}

/** Throws FactUnavailable when sw_vers cannot tell. */
export async function hostMajor(host: HostProbe): Promise<number> {
  return majorOf((await readSwVers(host)).productVersion);
}

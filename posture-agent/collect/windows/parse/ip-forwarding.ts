/**
 * IPv4 forwarding (`Get-NetIPInterface -AddressFamily IPv4`; scripts.ts IP_FORWARDING_SCRIPT).
 * Windows forwards per interface; the host forwards if any interface does (IETF PA-TNC attribute
 * 11 is one value for the host). Hyper-V's and WSL's vEthernet adapters commonly have it on: that
 * is a fact to report, the verdict is policy's.
 */
import { FactUnavailable } from '../../contract.js';
import { num, parsePsJson, recordsOf, text } from '../ps-json.js';

/** Forwarding enum: Disabled 0, Enabled 1. */
function forwarding(v: unknown): boolean | undefined {
  const n = num(v);
  if (n === 0 || n === 1) return n === 1;
  const s = text(v, 16)?.toLowerCase();
  return s === 'enabled' ? true : s === 'disabled' ? false : undefined;
}

export function parseIpForwarding(stdout: string): boolean {
  const interfaces = recordsOf(parsePsJson(stdout, 'Get-NetIPInterface'), 'Get-NetIPInterface');
  // Loopback is always there: no interface at all means the command did not really answer.
  if (interfaces.length === 0) throw new FactUnavailable('Get-NetIPInterface: no IPv4 interface reported');
  let any = false;
  for (const i of interfaces) {
    const f = forwarding(i.Forwarding);
    if (f === undefined) throw new FactUnavailable(`Get-NetIPInterface: ${text(i.InterfaceAlias, 64) ?? 'an interface'} Forwarding is ${JSON.stringify(i.Forwarding)}`);
    any ||= f;
  }
  return any;
}

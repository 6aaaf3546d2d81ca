/**
 * A boolean sysctl such as net.inet.ip.forwarding: `sysctl -n` prints "0" or "1"; without -n it
 * prints "net.inet.ip.forwarding: 1", accepted too so a changed invocation still parses.
 */
import { FactUnavailable } from '../../contract.js';

export function parseSysctlFlag(text: string): boolean {
  const m = /^\s*(?:[\w.]+\s*[:=]\s*)?(\d+)\s*$/.exec(text);
  if (m === null) throw new FactUnavailable(`sysctl printed no number: ${JSON.stringify(text.trim().slice(0, 40))}`);
  if (m[1] === '0') return false;
  if (m[1] === '1') return true;
  throw new FactUnavailable(`sysctl flag is neither 0 nor 1: ${m[1]}`);
}

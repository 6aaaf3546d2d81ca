/** A boolean sysctl as /proc/sys shows it: "0" or "1" and a newline. */
import { excerpt, unavailable } from './text.js';

export function parseProcFlag(text: string, what: string): boolean {
  const t = text.trim();
  if (t === '0') return false;
  // ipv6 conf/*/forwarding is documented as 0/1; any other positive integer still means on.
  if (/^[1-9]\d{0,9}$/.test(t)) return true;
  return unavailable(`${what} is ${excerpt(text)}, not a number`);
}

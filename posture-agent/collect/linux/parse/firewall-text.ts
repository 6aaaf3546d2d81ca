/**
 * The one-line answers of the firewall managers → on or off. Each parser throws on anything it
 * does not recognise, so the fallback chain moves on to the next tool rather than guessing.
 */
import { excerpt, lines, unavailable } from './text.js';

/** `ufw status`: "Status: active" or "Status: inactive" (needs root, else an ERROR line). */
export function parseUfwStatus(text: string): boolean {
  const m = /^Status: (active|inactive)\s*$/m.exec(text);
  if (m === null) unavailable(`ufw status said ${excerpt(text)}`);
  return m[1] === 'active';
}

/** `firewall-cmd --state`: "running", or "not running" with exit code 252. */
export function parseFirewalldState(text: string): boolean {
  const t = text.trim();
  if (t === 'running') return true;
  if (t === 'not running') return false;
  return unavailable(`firewall-cmd --state said ${excerpt(text)}`);
}

/**
 * `iptables -S INPUT`: on when the chain's policy drops ("-P INPUT DROP") or its last rule drops
 * or rejects everything ("-A INPUT -j REJECT --reject-with icmp-host-prohibited", RHEL 7 style).
 * A last rule with match conditions does not count: it drops only some traffic.
 */
export function parseIptablesInput(text: string): boolean {
  const rules = lines(text).map((l) => l.trim()).filter((l) => l.length > 0);
  const policy = rules.find((l) => /^-P INPUT \S+$/.test(l));
  if (policy === undefined) unavailable(`iptables -S INPUT printed no policy: ${excerpt(text)}`);
  if (policy === '-P INPUT DROP') return true;
  const appended = rules.filter((l) => l.startsWith('-A INPUT '));
  const last = appended[appended.length - 1];
  return last !== undefined && /^-A INPUT -j (DROP|REJECT)( --reject-with \S+)?$/.test(last);
}

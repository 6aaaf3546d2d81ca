/**
 * `apt-get -s dist-upgrade` → the pending updates, with their origin.
 *
 *   Inst openssl [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])
 *   Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64]) []
 *   Inst linux-image-6.1.0-28-amd64 (6.1.119-1 Debian-Security:12/stable-security [amd64])
 *
 * One "Inst" line per package to install; a new package (no [old]) is still pending: it is how a
 * kernel security fix arrives. An update is a security update when any origin it is offered
 * from is a security archive: Debian-Security:12/…, Ubuntu:22.04/jammy-security,
 * UbuntuESMApps:22.04/jammy-apps-security.
 *
 * apt-check (update-notifier) was not used: it prints only counts, and a pending update needs a
 * name the server can look up in the definitions feed.
 */
import type { PendingUpdate } from '../../../../policy/posture/facts.js';
import { excerpt, lines, unavailable } from './text.js';

const INST = /^Inst (\S+)(?: \[([^\]]*)\])? \((\S+) ([^)]*)\)/;
export const MAX_UPDATES = 5_000;

export function isSecurityOrigin(origin: string): boolean {
  return /-security\b/i.test(origin) || /^Debian-Security:/i.test(origin.trim());
}

export function parseAptSimulate(text: string): PendingUpdate[] {
  const updates: PendingUpdate[] = [];
  let sawSummary = false;
  for (const line of lines(text)) {
    // "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded." proves the run completed.
    if (/^\d+ upgraded, \d+ newly installed/.test(line)) sawSummary = true;
    const m = INST.exec(line);
    if (m === null) continue;
    const [, name = '', , version = '', rest = ''] = m;
    // The origins are a comma-separated list, then the architecture in brackets.
    const origins = rest.replace(/\s*\[[^\]]*\]\s*$/, '').split(',');
    if (name.length > 256 || version.length > 128) continue;
    updates.push({ id: name, package: name, version, security: origins.some(isSecurityOrigin) });
  }
  if (!sawSummary && updates.length === 0) unavailable(`apt-get -s printed no summary: ${excerpt(text)}`);
  if (updates.length > MAX_UPDATES) unavailable(`apt-get -s listed ${updates.length} updates, more than ${MAX_UPDATES}`);
  return updates;
}

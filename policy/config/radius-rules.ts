/** The `radius` settings a schema cannot check: addresses, uniqueness, tenants. */
import { isIP } from 'node:net';
import { formatPath, type Problem } from './errors-format.js';
import { parseCidr } from '../util/cidr.js';
import { isRecord } from '../util/is-record.js';

export function radiusProblems(data: Record<string, unknown>, tenantIds: readonly string[]): Problem[] {
  const radius = data.radius;
  if (!isRecord(radius)) return [];
  const problems: Problem[] = [];
  const at = (...path: (string | number)[]) => formatPath(['radius', ...path]);
  const clients = Array.isArray(radius.clients) ? radius.clients : [];
  if (radius.enabled === true && clients.length === 0) {
    problems.push({ path: at('clients'), reason: 'an enabled RADIUS server needs at least one NAS client (every request from an unknown address is dropped)' });
  }
  if (typeof radius.host === 'string' && isIP(radius.host) === 0) problems.push({ path: at('host'), reason: 'must be an IP address to listen on (0.0.0.0 or :: for all)' });
  if (radius.enabled === true && radius.auth_port !== 0 && radius.auth_port === radius.acct_port) {
    problems.push({ path: at('acct_port'), reason: 'must differ from auth_port' });
  }
  const names = new Set<string>();
  const addresses = new Map<string, number>();
  clients.forEach((c: unknown, i) => {
    if (!isRecord(c)) return;
    if (typeof c.name === 'string') {
      if (names.has(c.name)) problems.push({ path: at('clients', i, 'name'), reason: `duplicate NAS client name ${JSON.stringify(c.name)}` });
      names.add(c.name);
    }
    if (typeof c.address === 'string') {
      const cidr = parseCidr(c.address);
      if (!cidr) problems.push({ path: at('clients', i, 'address'), reason: 'must be an IP address or a CIDR block with its host bits clear (e.g. 10.1.0.0/16)' });
      else {
        const key = `${cidr.bytes.toString('hex')}/${cidr.prefix}`;
        const other = addresses.get(key);
        // Two clients for one block would make the secret that applies a matter of file order.
        if (other !== undefined) problems.push({ path: at('clients', i, 'address'), reason: `same address as radius.clients[${other}]` });
        else addresses.set(key, i);
      }
    }
    if (typeof c.coa_address === 'string' && isIP(c.coa_address) === 0) problems.push({ path: at('clients', i, 'coa_address'), reason: 'must be an IP address' });
    if (typeof c.tenant === 'string' && !tenantIds.includes(c.tenant)) {
      problems.push({ path: at('clients', i, 'tenant'), reason: `must be one of the configured tenants (${tenantIds.map((t) => JSON.stringify(t)).join(', ')})` });
    }
  });
  const eap = isRecord(radius.eap) ? radius.eap : undefined;
  if (eap && (typeof eap.cert_file === 'string') !== (typeof eap.key_file === 'string')) {
    problems.push({ path: at('eap', typeof eap.cert_file === 'string' ? 'key_file' : 'cert_file'), reason: 'cert_file and key_file go together' });
  }
  return problems;
}

/**
 * Which pool a client's address comes from: the verdict for its MAC, as the admission index holds
 * it now (never waiting on an agent or a directory).
 *
 * - allow → production; isolate → quarantine;
 * - deny → no lease at all (a DISCOVER gets no answer, a REQUEST a NAK);
 * - a MAC no endpoint carries → `dhcp.unknown_mac`: quarantine, registration (quarantine when the
 *   scope has no registration pool), or no answer (registered MACs only, seed 2.1.5.2);
 * - a known endpoint without a verdict yet → quarantine. Fail closed: missing evidence never
 *   reaches the production pool.
 */
import type { DhcpPool } from '../../../policy/store/repository.js';
import type { Admission } from '../../../policy/service/admission.js';
import type { ServedScope } from './scopes.js';

export type Steering = { pool: DhcpPool; reason: string } | { refuse: 'deny' | 'unknown-mac'; reason: string };

export function steer(admission: Admission, scope: ServedScope, unknownMac: 'quarantine' | 'registration' | 'ignore'): Steering {
  if (admission.endpointId === undefined) {
    if (unknownMac === 'ignore') return { refuse: 'unknown-mac', reason: 'unknown MAC: dhcp.unknown_mac is ignore' };
    if (unknownMac === 'registration' && scope.pools.has('registration')) return { pool: 'registration', reason: 'unknown MAC: registration' };
    return { pool: 'quarantine', reason: 'unknown MAC: quarantine' };
  }
  switch (admission.verdict) {
    case 'allow':
      return { pool: 'production', reason: 'verdict allow' };
    case 'deny':
      return { refuse: 'deny', reason: 'verdict deny' };
    case 'isolate':
      return { pool: 'quarantine', reason: 'verdict isolate' };
    default:
      return { pool: 'quarantine', reason: `verdict ${admission.verdict ?? 'missing'}: quarantine until one is known` };
  }
}

/**
 * Where an admitted endpoint goes: the verdict and the role's VLAN, turned into reply attributes
 * in the NAS profile's dialect.
 *
 * - allow: the role's VLAN (else the NAS's production VLAN, else none: the port's own VLAN) and
 *   the role name through the profile's role attribute;
 * - isolate: the role's isolate VLAN, else the quarantine VLAN, the quarantine role, and a
 *   Session-Timeout so the NAS asks again even if a CoA is lost;
 * - deny: Access-Reject.
 *
 * Fail closed: an isolate (or unknown) placement that would carry no VLAN and no role would leave
 * the device on the port's default VLAN, which is usually production; it becomes a Reject.
 */
import { attr, TUNNEL_MEDIUM_TYPE, TUNNEL_TYPE } from '../codec/dictionary.js';
import { integerAttribute, taggedIntegerAttribute, taggedTextAttribute, textAttribute } from '../codec/attributes.js';
import type { RadiusAttribute } from '../codec/packet.js';
import type { Admission } from '../../../policy/service/admission.js';
import type { NasClient } from './nas-clients.js';

export type PlacementKind = 'production' | 'quarantine' | 'registration' | 'reject';

export interface Placement {
  kind: PlacementKind;
  accept: boolean;
  attributes: RadiusAttribute[];
  vlan?: string;
  role?: string;
  /** Why, for the log and Reply-Message-free debugging (never sent to the NAS). */
  reason: string;
}

export interface PlacementSettings {
  unknownMac: 'quarantine' | 'registration' | 'reject';
  roles: { quarantine?: string; registration?: string };
  quarantineSessionTimeoutSeconds: number;
}

const TUNNEL_TAG = 0;
// Termination-Action RADIUS-Request: at Session-Timeout, re-authenticate rather than cut the port.
const TERMINATION_RADIUS_REQUEST = 1;

export function place(admission: Admission, client: NasClient, s: PlacementSettings): Placement {
  if (admission.endpointId === undefined) {
    if (s.unknownMac === 'reject') return reject('unknown MAC: radius.unknown_mac is reject');
    if (s.unknownMac === 'registration') return build('registration', client, s, client.vlans.registration, s.roles.registration, 'unknown MAC: registration');
    return build('quarantine', client, s, client.vlans.quarantine, s.roles.quarantine, 'unknown MAC: quarantine');
  }
  switch (admission.verdict) {
    case 'allow':
      return build('production', client, s, admission.vlan ?? client.vlans.production, admission.role, 'verdict allow');
    case 'isolate':
      return build('quarantine', client, s, admission.vlan ?? client.vlans.quarantine, s.roles.quarantine, 'verdict isolate');
    default:
      return reject(`verdict ${admission.verdict ?? 'missing'}`);
  }
}

/**
 * Placements are few (a NAS sees a handful of VLAN and role pairs) and their attributes never
 * change, so each is built once per NAS and reused: encoding them was a measurable share of a
 * MAB answer. Callers copy `attributes`, never mutate it.
 */
const built = new WeakMap<NasClient, Map<string, Placement>>();
const MAX_PLACEMENTS_PER_NAS = 1024;

function build(kind: Exclude<PlacementKind, 'reject'>, client: NasClient, s: PlacementSettings, vlan: string | undefined, role: string | undefined, reason: string): Placement {
  let cache = built.get(client);
  if (!cache) built.set(client, (cache = new Map()));
  const key = `${kind}\u0000${vlan ?? ''}\u0000${role ?? ''}\u0000${reason}\u0000${s.quarantineSessionTimeoutSeconds}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const p = encode(kind, client, s, vlan, role, reason);
  if (cache.size < MAX_PLACEMENTS_PER_NAS) cache.set(key, p);
  return p;
}

function encode(kind: Exclude<PlacementKind, 'reject'>, client: NasClient, s: PlacementSettings, vlan: string | undefined, role: string | undefined, reason: string): Placement {
  const profile = client.profile;
  const sendsVlan = profile.vlanAttributes && vlan !== undefined;
  const sendsRole = profile.role !== undefined && role !== undefined;
  if (kind !== 'production' && !sendsVlan && !sendsRole) {
    return reject(`${reason}, but neither a ${kind} VLAN nor a ${kind} role is configured for NAS ${client.name}: rejected rather than left on the port's default VLAN`);
  }
  const attributes: RadiusAttribute[] = [];
  if (sendsVlan) {
    attributes.push(
      taggedIntegerAttribute(attr('Tunnel-Type'), TUNNEL_TAG, TUNNEL_TYPE.VLAN),
      taggedIntegerAttribute(attr('Tunnel-Medium-Type'), TUNNEL_TAG, TUNNEL_MEDIUM_TYPE['IEEE-802']),
      taggedTextAttribute(attr('Tunnel-Private-Group-Id'), TUNNEL_TAG, vlan),
    );
  }
  if (sendsRole) attributes.push(textAttribute(attr(profile.role!.attribute), profile.role!.template.replaceAll('{role}', role)));
  if (kind !== 'production' && s.quarantineSessionTimeoutSeconds > 0) {
    attributes.push(integerAttribute(attr('Session-Timeout'), s.quarantineSessionTimeoutSeconds), integerAttribute(attr('Termination-Action'), TERMINATION_RADIUS_REQUEST));
  }
  return { kind, accept: true, attributes, ...(sendsVlan ? { vlan } : {}), ...(sendsRole ? { role } : {}), reason };
}

const reject = (reason: string): Placement => ({ kind: 'reject', accept: false, attributes: [], reason });

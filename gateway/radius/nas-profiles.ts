/**
 * What differs between switch, controller and VPN vendors, as data: how a role or ACL name is
 * sent, whether VLAN attributes mean anything, how the NAS spells MACs, and which RFC 5176
 * requests it understands, in the order to try them. A new vendor is a new entry here, never a
 * branch in the server.
 */
import type { MacFormatName } from './codec/mac.js';
import type { DynamicAuthStep } from './coa/types.js';

export type { DynamicAuthStep };

export interface NasProfile {
  name: string;
  description: string;
  /** How the NAS writes Calling-Station-Id; used to name the session in CoA / Disconnect. */
  macFormat: MacFormatName;
  /** Send the RFC 3580 tunnel attributes for VLAN placement (switches, WLAN controllers; not VPNs). */
  vlanAttributes: boolean;
  /** The attribute carrying the role or ACL name; `{role}` in the template is replaced. */
  role?: { attribute: string; template: string };
  /** Tried in order on a verdict change; a NAK or a timeout moves to the next. */
  dynamicAuth: DynamicAuthStep[];
}

const disconnect: DynamicAuthStep = { name: 'disconnect', request: 'disconnect' };

export const NAS_PROFILES: Readonly<Record<string, NasProfile>> = {
  generic: {
    name: 'generic',
    description: 'RFC 3580 VLAN, Filter-Id for the role, Disconnect-Request',
    macFormat: 'hyphen-upper',
    vlanAttributes: true,
    role: { attribute: 'Filter-Id', template: '{role}' },
    dynamicAuth: [disconnect],
  },
  'cisco-ios': {
    name: 'cisco-ios',
    description: 'Cisco IOS / IOS-XE switches: named ACL through Filter-Id, CoA reauthenticate, then port bounce, then Disconnect',
    macFormat: 'hyphen-upper',
    vlanAttributes: true,
    // IOS applies "Filter-Id = <acl>.in" as the inbound named ACL of the session.
    role: { attribute: 'Filter-Id', template: '{role}.in' },
    dynamicAuth: [
      { name: 'coa-reauthenticate', request: 'coa', attributes: [{ name: 'Cisco-AVPair', value: 'subscriber:command=reauthenticate' }] },
      { name: 'coa-bounce-port', request: 'coa', attributes: [{ name: 'Cisco-AVPair', value: 'subscriber:command=bounce-host-port' }] },
      disconnect,
    ],
  },
  'cisco-wlc': {
    name: 'cisco-wlc',
    description: 'Cisco AireOS wireless controllers: Airespace-ACL-Name, Disconnect',
    macFormat: 'hyphen-lower',
    vlanAttributes: true,
    role: { attribute: 'Airespace-ACL-Name', template: '{role}' },
    dynamicAuth: [disconnect],
  },
  aruba: {
    name: 'aruba',
    description: 'Aruba controllers and AOS-CX switches: Aruba-User-Role, Disconnect',
    macFormat: 'colon-lower',
    vlanAttributes: true,
    role: { attribute: 'Aruba-User-Role', template: '{role}' },
    dynamicAuth: [disconnect],
  },
  hostapd: {
    name: 'hostapd',
    description: 'hostapd (wired or wireless): VLAN attributes, Disconnect only (its DAS NAKs every CoA-Request)',
    macFormat: 'hyphen-lower',
    vlanAttributes: true,
    dynamicAuth: [disconnect],
  },
  strongswan: {
    name: 'strongswan',
    description: 'strongSwan eap-radius (IKEv2 VPN): no VLANs; Disconnect tears the IKE SA down (dae)',
    macFormat: 'hyphen-upper',
    vlanAttributes: false,
    dynamicAuth: [disconnect],
  },
};

export function nasProfile(name: string): NasProfile | undefined {
  return Object.hasOwn(NAS_PROFILES, name) ? NAS_PROFILES[name] : undefined;
}

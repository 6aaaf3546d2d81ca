/**
 * What Active Directory and OpenLDAP call things, and how each resolves nested groups. A
 * directory's own settings override these; everything else in the connector is the same code.
 */
import type { DIRECTORY_TYPES, MEMBERSHIP_MODES } from './config.js';

export type DirectoryType = (typeof DIRECTORY_TYPES)[number];
export type MembershipMode = (typeof MEMBERSHIP_MODES)[number];

export interface DirectoryProfile {
  loginAttribute: string;
  userObjectClass: string;
  groupObjectClass: string;
  /** The group attribute listing member DNs (searched by `group-search`). */
  memberAttribute: string;
  membership: MembershipMode;
  computerObjectClass: string;
  hostnameAttributes: string[];
  /** Where a computer entry keeps its MAC; AD has no such attribute by default. */
  macAttribute?: string;
  /** Where a computer entry names its owner (a DN). */
  ownerAttribute: string;
  /**
   * AD leaves the primary group (normally Domain Users) out of memberOf and out of the in-chain
   * search; it is found by RID through `primaryGroupID` and the account's objectSid.
   */
  primaryGroup: boolean;
}

export const DIRECTORY_PROFILES: Record<DirectoryType, DirectoryProfile> = {
  'active-directory': {
    loginAttribute: 'sAMAccountName',
    userObjectClass: 'user',
    groupObjectClass: 'group',
    memberAttribute: 'member',
    // LDAP_MATCHING_RULE_IN_CHAIN: the DC walks nesting itself, one search for every level.
    membership: 'in-chain',
    computerObjectClass: 'computer',
    // dNSHostName is the FQDN; sAMAccountName is the NetBIOS name with a trailing `$`.
    hostnameAttributes: ['dNSHostName', 'sAMAccountName', 'cn'],
    ownerAttribute: 'managedBy',
    primaryGroup: true,
  },
  openldap: {
    loginAttribute: 'uid',
    userObjectClass: 'inetOrgPerson',
    groupObjectClass: 'groupOfNames',
    memberAttribute: 'member',
    // The memberOf overlay records direct membership only, and answers the AD in-chain rule with
    // no entries and no error (peers.md), so nesting is followed here.
    membership: 'member-of',
    computerObjectClass: 'device',
    hostnameAttributes: ['cn'],
    // RFC 2307's ieee802Device: lowercase hex, colon-separated.
    macAttribute: 'macAddress',
    ownerAttribute: 'owner',
    primaryGroup: false,
  },
};

/** The RID of AD's built-in Domain Users group, every account's primary group unless changed. */
export const AD_DOMAIN_USERS_RID = 513;

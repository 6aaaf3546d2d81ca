/**
 * Every group a user or computer belongs to, nested membership included, named as policies name
 * them (cn, or the whole DN).
 *
 * - `in-chain` (AD): one search with LDAP_MATCHING_RULE_IN_CHAIN; the DC walks the nesting.
 * - `member-of`: the entry's memberOf values, then each level's parents.
 * - `group-search`: groups listing the entry as a member, then each level's parents.
 *
 * Kenneki walks the levels itself for OpenLDAP, whose memberOf overlay records direct
 * membership only: one search per level for all of that level's groups, cycles cut by a visited
 * set, at most `max_depth` levels. AD's primary group (left out of both memberOf and the in-chain
 * search) is added by RID, with the groups it is nested in.
 */
import { ExtensibleFilter, type Filter } from 'ldapts';
import type { ResolvedDirectory } from './config-rules.js';
import { and, bufferValue, eq, or, values, type DirectoryClient, type DirectoryEntry } from './directory-client.js';
import { firstRdnValue, normalizeDn } from './dn.js';
import { siblingSid } from './sid.js';

/** LDAP_MATCHING_RULE_IN_CHAIN (MS-ADTS 3.1.1.3.4.4.3). */
export const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';
/** OR filters longer than this are split: some servers cap filter size. */
const MAX_OR_TERMS = 100;

export interface ResolvedGroups {
  /** Names as configured (`cn` or `dn`), sorted, without duplicates. */
  names: string[];
  /** The DNs found, for diagnosis. */
  dns: string[];
  /** True when nesting went deeper than max_depth and was cut there. */
  truncated: boolean;
}

interface Found {
  dn: string;
  cn?: string;
}

function inChainFilter(dir: ResolvedDirectory, memberDn: string) {
  // ExtensibleFilter takes the DN as a raw value in the BER encoding: no escaping concerns.
  return and(eq('objectClass', dir.groups.objectClass), extensible(IN_CHAIN_RULE, dir.groups.memberAttribute, memberDn));
}

function extensible(rule: string, attribute: string, value: string): Filter {
  return new ExtensibleFilter({ rule, matchType: attribute, value });
}

export async function resolveGroups(client: DirectoryClient, entry: DirectoryEntry): Promise<ResolvedGroups> {
  const dir = client.dir;
  const found = new Map<string, Found>();
  const add = (f: Found) => {
    const key = normalizeDn(f.dn);
    const had = found.get(key);
    if (had === undefined || (had.cn === undefined && f.cn !== undefined)) found.set(key, f);
    return had === undefined;
  };
  let truncated = false;

  if (dir.groups.membership === 'in-chain') {
    for (const g of await searchGroups(client, inChainFilter(dir, entry.dn))) add(g);
  } else {
    let level: Found[] =
      dir.groups.membership === 'member-of'
        ? values(entry.attrs, 'memberOf').map((dn) => ({ dn }))
        : await parentsOf(client, [entry.dn]);
    level = level.filter(add);
    for (let depth = 1; dir.groups.nested && level.length > 0; depth++) {
      if (depth >= dir.groups.maxDepth) {
        truncated = true;
        break;
      }
      level = (await parentsOf(client, level.map((g) => g.dn))).filter(add);
    }
  }

  if (dir.primaryGroup) {
    const primary = await primaryGroupOf(client, entry);
    if (primary !== undefined && add(primary) && dir.groups.nested) {
      for (const g of await searchGroups(client, inChainFilter(dir, primary.dn))) add(g);
    }
  }

  const all = [...found.values()];
  const names = all.map((g) => (dir.groups.name === 'dn' ? g.dn : (g.cn ?? firstRdnValue(g.dn) ?? g.dn)));
  return { names: [...new Set(names)].sort((a, b) => a.localeCompare(b)), dns: all.map((g) => g.dn).sort(), truncated };
}

async function searchGroups(client: DirectoryClient, filter: Filter): Promise<Found[]> {
  const entries = await client.search({ base: client.dir.groups.baseDn, filter, attributes: ['cn'] });
  return entries.map((e) => ({ dn: e.dn, ...cnOf(e) }));
}

function cnOf(e: DirectoryEntry): { cn?: string } {
  const cn = values(e.attrs, 'cn')[0];
  return cn !== undefined ? { cn } : {};
}

/** The groups listing any of `dns` as a member: one level up, in as few searches as the OR cap allows. */
async function parentsOf(client: DirectoryClient, dns: string[]): Promise<Found[]> {
  const dir = client.dir;
  const out: Found[] = [];
  for (let i = 0; i < dns.length; i += MAX_OR_TERMS) {
    const chunk = dns.slice(i, i + MAX_OR_TERMS);
    out.push(...(await searchGroups(client, and(eq('objectClass', dir.groups.objectClass), or(...chunk.map((dn) => eq(dir.groups.memberAttribute, dn)))))));
  }
  return out;
}

/** AD's primary group: the account's domain SID plus primaryGroupID as the RID. */
async function primaryGroupOf(client: DirectoryClient, entry: DirectoryEntry): Promise<Found | undefined> {
  const rid = Number(values(entry.attrs, 'primaryGroupID')[0]);
  const sid = bufferValue(entry.attrs, 'objectSid');
  if (!Number.isInteger(rid) || rid <= 0 || sid === undefined) return undefined;
  const groupSid = siblingSid(sid, rid);
  if (groupSid === undefined) return undefined;
  const [g] = await client.search({ base: client.dir.groups.baseDn, filter: and(eq('objectClass', client.dir.groups.objectClass), eq('objectSid', groupSid)), attributes: ['cn'], limit: 1 });
  return g && { dn: g.dn, ...cnOf(g) };
}

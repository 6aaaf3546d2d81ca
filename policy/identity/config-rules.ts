/**
 * The directory settings a schema cannot check, and their resolution into what the connector
 * uses: TLS mode from the URL scheme, the profile's defaults under the directory's overrides,
 * the CA file read once at start.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Problem } from '../config/errors-format.js';
import { formatPath } from '../config/errors-format.js';
import type { KennekiConfig } from '../config/schema.js';
import { KennekiError } from '../errors.js';
import { DIRECTORY_PROFILES, type DirectoryProfile, type MembershipMode } from './profiles.js';
import { isRecord } from '../util/is-record.js';

export type DirectoryConfig = KennekiConfig['identity']['directories'][number];
export type TlsMode = 'ldaps' | 'starttls' | 'none';

/** A directory as the connector sees it: every default filled, the CA loaded. */
export interface ResolvedDirectory {
  name: string;
  tenantId: string;
  type: DirectoryConfig['type'];
  urls: string[];
  tls: { mode: TlsMode; caPem?: string; serverName?: string };
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  users: { baseDn: string; loginAttribute: string; objectClass: string };
  groups: { baseDn: string; membership: MembershipMode; nested: boolean; maxDepth: number; name: 'cn' | 'dn'; objectClass: string; memberAttribute: string };
  computers: { baseDn: string; objectClass: string; hostnameAttributes: string[]; macAttribute?: string; ownerAttribute: string };
  primaryGroup: boolean;
  pageSize: number;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  cache: { ttlMs: number; outageWindowMs: number };
  failMode: DirectoryConfig['fail_mode'];
}

function hostOf(url: string): string {
  const host = new URL(url).hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** The mode a directory uses: as configured, or what its first URL's scheme implies. */
export function tlsModeOf(d: { urls: readonly string[]; tls?: { mode?: TlsMode } }): TlsMode {
  return d.tls?.mode ?? (d.urls[0]?.startsWith('ldaps://') ? 'ldaps' : 'starttls');
}

/** Checked on unvalidated data, alongside the schema, so every problem is reported at once. */
export function directoryProblems(data: Record<string, unknown>, tenantIds: readonly string[]): Problem[] {
  const identity = isRecord(data.identity) ? data.identity : undefined;
  if (!identity || !Array.isArray(identity.directories)) return [];
  const problems: Problem[] = [];
  const names = new Set<string>();
  identity.directories.forEach((d: unknown, i) => {
    if (!isRecord(d)) return;
    const at = (...rest: (string | number)[]) => formatPath(['identity', 'directories', i, ...rest]);
    if (typeof d.name === 'string') {
      if (names.has(d.name)) problems.push({ path: at('name'), reason: `duplicate directory name ${JSON.stringify(d.name)}` });
      names.add(d.name);
    }
    if (typeof d.tenant === 'string' && tenantIds.length > 0 && !tenantIds.includes(d.tenant)) {
      problems.push({ path: at('tenant'), reason: `must be one of the configured tenants (${tenantIds.map((t) => JSON.stringify(t)).join(', ')})` });
    }
    const urls = Array.isArray(d.urls) ? d.urls.filter((u): u is string => typeof u === 'string' && /^ldaps?:\/\//.test(u)) : [];
    const tls = isRecord(d.tls) ? d.tls : {};
    const mode = tlsModeOf({ urls, tls: { ...(typeof tls.mode === 'string' ? { mode: tls.mode as TlsMode } : {}) } });
    urls.forEach((u, j) => {
      let host: string;
      try {
        host = hostOf(u);
      } catch {
        problems.push({ path: at('urls', j), reason: 'is not a valid LDAP URL' });
        return;
      }
      const scheme = u.startsWith('ldaps://') ? 'ldaps' : 'ldap';
      if (mode === 'ldaps' && scheme !== 'ldaps') problems.push({ path: at('urls', j), reason: 'must be ldaps:// when tls.mode is ldaps' });
      if (mode !== 'ldaps' && scheme !== 'ldap') problems.push({ path: at('urls', j), reason: `must be ldap:// when tls.mode is ${mode}` });
      // Service and user passwords travel in simple binds: never in the clear beyond this host.
      if (mode === 'none' && !isLoopback(host)) problems.push({ path: at('urls', j), reason: 'tls.mode none is allowed only for loopback addresses; use ldaps or starttls with tls.ca_file' });
    });
    if (mode !== 'none' && typeof tls.ca_file !== 'string') {
      problems.push({ path: at('tls', 'ca_file'), reason: `is required with tls.mode ${mode}: the PEM file of the CA that issued the directory's certificate (only that CA is trusted)` });
    }
    const groups = isRecord(d.groups) ? d.groups : {};
    if (d.type === 'openldap' && groups.membership === 'in-chain') {
      problems.push({ path: at('groups', 'membership'), reason: 'in-chain is Active Directory only: OpenLDAP answers it with no entries; use member-of or group-search' });
    }
  });
  return problems;
}

/** Every directory with its defaults filled and its CA read; a CA that cannot be read is a config error. */
export function resolveDirectories(cfg: KennekiConfig, cwd: string = process.cwd()): ResolvedDirectory[] {
  return cfg.identity.directories.map((d, i) => {
    const profile: DirectoryProfile = DIRECTORY_PROFILES[d.type];
    const mode = tlsModeOf(d);
    let caPem: string | undefined;
    if (mode !== 'none' && d.tls.ca_file !== undefined) {
      const file = resolve(cwd, d.tls.ca_file);
      try {
        caPem = readFileSync(file, 'utf8');
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code ?? 'error';
        throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', `identity.directories[${i}].tls.ca_file: cannot read ${file} (${code})`, { cause });
      }
      if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
        throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', `identity.directories[${i}].tls.ca_file: ${file} holds no PEM certificate`);
      }
    }
    return {
      name: d.name,
      tenantId: d.tenant ?? cfg.tenants[0]?.id ?? 'default',
      type: d.type,
      urls: d.urls,
      tls: { mode, ...(caPem !== undefined ? { caPem } : {}), ...(d.tls.server_name !== undefined ? { serverName: d.tls.server_name } : {}) },
      bindDn: d.bind_dn,
      bindPassword: d.bind_password,
      baseDn: d.base_dn,
      users: { baseDn: d.users.base_dn ?? d.base_dn, loginAttribute: d.users.login_attribute ?? profile.loginAttribute, objectClass: d.users.object_class ?? profile.userObjectClass },
      groups: {
        baseDn: d.groups.base_dn ?? d.base_dn,
        membership: d.groups.membership ?? profile.membership,
        nested: d.groups.nested,
        maxDepth: d.groups.max_depth,
        name: d.groups.name,
        objectClass: profile.groupObjectClass,
        memberAttribute: profile.memberAttribute,
      },
      computers: {
        baseDn: d.computers.base_dn ?? d.base_dn,
        objectClass: d.computers.object_class ?? profile.computerObjectClass,
        hostnameAttributes: d.computers.hostname_attributes ?? profile.hostnameAttributes,
        ...((d.computers.mac_attribute ?? profile.macAttribute) !== undefined ? { macAttribute: d.computers.mac_attribute ?? profile.macAttribute! } : {}),
        ownerAttribute: d.computers.owner_attribute ?? profile.ownerAttribute,
      },
      primaryGroup: profile.primaryGroup,
      pageSize: d.page_size,
      connectTimeoutMs: d.connect_timeout_ms,
      operationTimeoutMs: d.operation_timeout_ms,
      cache: { ttlMs: d.cache.ttl_seconds * 1000, outageWindowMs: d.cache.outage_window_seconds * 1000 },
      failMode: d.fail_mode,
    };
  });
}

/**
 * Directories for tests, configured the way an admin configures them: a YAML `identity` block
 * (CA in a file, bind password from a file) through loadConfig, then resolveDirectories.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../policy/config/load.js';
import { resolveDirectories, type ResolvedDirectory } from '../../policy/identity/config-rules.js';
import type { SambaAd } from './samba-ad.js';
import type { Slapd } from './slapd.js';

export interface DirectoryYaml {
  name?: string;
  type: 'openldap' | 'active-directory';
  urls: string[];
  caPem?: string;
  mode?: 'ldaps' | 'starttls' | 'none';
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  /** Extra YAML lines inside the directory entry (indented by the caller's 4 spaces). */
  extra?: string[];
}

/** The YAML `identity:` block for these directories; CA and password files go to `dir`. */
export function identityYaml(dir: string, dirs: DirectoryYaml[]): string {
  const lines = ['identity:', '  directories:'];
  dirs.forEach((d, i) => {
    const pw = join(dir, `bind-password-${i}`);
    writeFileSync(pw, `${d.bindPassword}\n`, { mode: 0o600 });
    lines.push(`    - name: ${d.name ?? `dir${i}`}`, `      type: ${d.type}`, `      urls: [${d.urls.map((u) => JSON.stringify(u)).join(', ')}]`);
    const tls: string[] = [];
    if (d.mode) tls.push(`mode: ${d.mode}`);
    if (d.caPem !== undefined) {
      const ca = join(dir, `directory-ca-${i}.pem`);
      writeFileSync(ca, d.caPem);
      tls.push(`ca_file: ${JSON.stringify(ca)}`);
    }
    if (tls.length) lines.push(`      tls: { ${tls.join(', ')} }`);
    lines.push(`      bind_dn: ${JSON.stringify(d.bindDn)}`, `      bind_password: { file: ${JSON.stringify(pw)} }`, `      base_dn: ${JSON.stringify(d.baseDn)}`);
    for (const e of d.extra ?? []) lines.push(`      ${e}`);
  });
  return `${lines.join('\n')}\n`;
}

export function resolvedDirectories(dirs: DirectoryYaml[]): ResolvedDirectory[] {
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-dir-'));
  const file = join(dir, 'kenneki.yaml');
  writeFileSync(file, identityYaml(dir, dirs));
  return resolveDirectories(loadConfig({ file, env: {} }));
}

/** The fixture slapd as an `openldap` directory over StartTLS with its CA pinned. */
export function slapdDirectory(s: Slapd, over: Partial<DirectoryYaml> = {}): DirectoryYaml {
  return { type: 'openldap', urls: [s.url], caPem: s.caPem, bindDn: s.serviceDn, bindPassword: s.servicePassword, baseDn: s.baseDn, ...over };
}

/** The fixture Samba DC as an `active-directory` directory over LDAPS with its CA pinned. */
export function sambaDirectory(ad: SambaAd, over: Partial<DirectoryYaml> = {}): DirectoryYaml {
  return { type: 'active-directory', urls: [ad.ldapsUrl], caPem: ad.caPem, bindDn: ad.serviceDn, bindPassword: ad.servicePassword, baseDn: ad.baseDn, ...over };
}

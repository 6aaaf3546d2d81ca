/**
 * The `radius:` block of a Kenneki config for tests and benchmarks: the server on loopback (any
 * free ports unless given), and the NAS clients given. Production VLAN 10 and quarantine VLAN 99
 * unless told.
 */
export interface NasClientYaml {
  name: string;
  address: string;
  secret: string;
  /** More flow-mapping entries, e.g. `profile: hostapd, coa_port: 3799`. */
  extra?: string;
}

export function radiusYaml(o: { clients: NasClientYaml[]; vlans?: string; lines?: string[]; ports?: { auth: number; acct: number } }): string {
  return [
    'radius:',
    '  enabled: true',
    '  host: 127.0.0.1',
    `  auth_port: ${o.ports?.auth ?? 0}`,
    `  acct_port: ${o.ports?.acct ?? 0}`,
    `  vlans: ${o.vlans ?? '{ production: "10", quarantine: "99" }'}`,
    ...(o.lines ?? []).map((l) => `  ${l}`),
    '  clients:',
    ...o.clients.map((c) => `    - { name: ${c.name}, address: ${c.address}, secret: ${JSON.stringify(c.secret)}${c.extra ? `, ${c.extra}` : ''} }`),
  ].join('\n');
}

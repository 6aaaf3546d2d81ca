/**
 * Kea 2.2 (kea-dhcp4, Debian package kea-dhcp4-server) as the side-by-side DHCP peer, run from the
 * reference config shared/bench/peers/kea-dhcp4-memfile.json: memfile leases with persist=true
 * (every lease appended to a CSV file before the answer), multi-threading off, one /16 subnet and
 * pool, raw sockets on `vkea-s`, WARN logging to a file. Only the KEA_DIR placeholder is replaced
 * (with a fresh folder per run: an empty lease file). The file is read from the shared folder when
 * it is there (BENCH_KEA_CONFIG names another), otherwise the copy below is used; the benchmark
 * prints which.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../../policy/util/package-root.js';
import { NET, rangeSize, requireBinary, type BenchNetns, type NsProcess } from './netns.js';

/** shared/bench/peers/kea-dhcp4-memfile.json, verbatim. */
const REFERENCE_COPY = `{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "vkea-s" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "KEA_DIR/leases4.csv", "lfc-interval": 3600 },
    "valid-lifetime": 86400, "renew-timer": 43200, "rebind-timer": 75600,
    "multi-threading": { "enable-multi-threading": false },
    "subnet4": [ {
      "id": 1, "subnet": "10.200.0.0/16",
      "pools": [ { "pool": "10.200.0.10 - 10.200.255.250" } ],
      "option-data": [ { "name": "routers", "data": "10.200.0.1" } ]
    } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "KEA_DIR/kea-dhcp4.log" } ], "severity": "WARN" } ]
  }
}
`;

export interface KeaReference {
  /** Where the config came from: a file path, or "built-in copy". */
  source: string;
  text: string;
  /** The pool's size, from the config (for the summary). */
  poolSize: number;
  validLifetime: number;
}

export function keaReference(): KeaReference {
  const candidates = [process.env['BENCH_KEA_CONFIG'], join(dirname(packageRoot()), 'shared/bench/peers/kea-dhcp4-memfile.json')].filter((p): p is string => !!p);
  const file = candidates.find((p) => existsSync(p));
  const text = file ? readFileSync(file, 'utf8') : REFERENCE_COPY;
  const cfg = JSON.parse(text) as {
    Dhcp4: { 'interfaces-config': { interfaces: string[] }; 'valid-lifetime': number; subnet4: { subnet: string; pools: { pool: string }[] }[]; 'multi-threading'?: { 'enable-multi-threading'?: boolean } };
  };
  const d = cfg.Dhcp4;
  // The benchmark's namespaces are built around this file: say so if it changed under us.
  if (!d['interfaces-config'].interfaces.includes(NET.serverIf)) throw new Error(`${file}: expected interface ${NET.serverIf}, found ${d['interfaces-config'].interfaces.join(', ')}`);
  if (d.subnet4[0]?.subnet !== NET.clientSubnet) throw new Error(`${file}: expected subnet ${NET.clientSubnet}, found ${d.subnet4[0]?.subnet}`);
  if (d['multi-threading']?.['enable-multi-threading'] !== false) throw new Error(`${file}: expected multi-threading off`);
  const poolSize = d.subnet4[0].pools.reduce((n, p) => n + rangeSize(p.pool), 0);
  return { source: file ?? 'built-in copy of shared/bench/peers/kea-dhcp4-memfile.json', text, poolSize, validLifetime: d['valid-lifetime'] };
}

export interface KeaRun {
  process: NsProcess;
  dir: string;
  leaseFile: string;
  stop(): Promise<void>;
}

/** kea-dhcp4 in the server namespace with the reference config in a fresh `dir`. */
export function startKea(netns: BenchNetns, ref: KeaReference, dir: string): KeaRun {
  const kea = requireBinary('kea-dhcp4');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'kea-dhcp4.json');
  writeFileSync(configFile, ref.text.replaceAll('KEA_DIR', dir));
  // Pid and logger lock files in the folder too: the defaults under /run/kea would make two runs refuse each other.
  const proc = netns.spawn('server', 'kea-dhcp4', [kea, '-c', configFile], { ...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir });
  return {
    process: proc,
    dir,
    leaseFile: join(dir, 'leases4.csv'),
    async stop() {
      await proc.stop('SIGTERM', 5_000);
    },
  };
}

/** The WARN log Kea writes to KEA_DIR (its stdout stays empty at WARN). */
export function keaLog(dir: string): string {
  const f = join(dir, 'kea-dhcp4.log');
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

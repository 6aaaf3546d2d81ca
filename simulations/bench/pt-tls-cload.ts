/**
 * The C load generator of the PT-TLS bench (ptload/ptload.c): compiled on demand into
 * simulations/bench/.scratch/ (git-ignored), fed the same pre-encoded messages as the Node one
 * (pt-tls-wires.ts) through a length-prefixed input file, run once per job as a child process.
 * Its stdout is one JSON line with LoadResult's fields, clientCpuS from its own getrusage.
 */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../policy/util/package-root.js';
import { onExit } from './common.js';
import type { LoadJob, LoadResult } from './pt-tls-load.js';
import { CLOSE_BATCH, VERSION_REQUEST, machineWires, saslPlain, type MachineWire } from './pt-tls-wires.js';

const MAGIC = Buffer.from('PTLOAD1\n', 'latin1');
const NO_BLOB = 0xffffffff;

/**
 * Compiles ptload.c unless the binary is newer than the source. Returns the binary's path, or
 * why it could not be built (no cc, no libssl-dev): the caller then uses the Node generator.
 */
export function buildPtload(): { path: string } | { reason: string } {
  const root = packageRoot();
  const source = join(root, 'simulations/bench/ptload/ptload.c');
  const out = join(root, 'simulations/bench/.scratch/ptload');
  if (!existsSync(source)) return { reason: `${source} not found` };
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return { path: out };
  try {
    mkdirSync(join(root, 'simulations/bench/.scratch'), { recursive: true });
    execFileSync('cc', ['-O2', '-o', out, source, '-lssl', '-lcrypto'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { path: out };
  } catch (e) {
    const err = e as { stderr?: Buffer; message?: string };
    const detail = err.stderr?.toString().trim().split('\n')[0] || err.message || String(e);
    return { reason: `cc -O2 ... ptload.c -lssl -lcrypto failed: ${detail}` };
  }
}

/**
 * The input file: "PTLOAD1\n", u32 LE blob count, blobs as { u32 LE length, bytes }, u32 LE machine
 * count, machines as u32 LE blob indexes { version, plain (0xffffffff: none), cdata, packages,
 * close }. Identical buffers (the shared packages CDATA, VERSION, CLOSE) are stored once.
 */
export function encodePtloadInput(wires: MachineWire[], plainFor: (machine: number) => Buffer | undefined): Buffer {
  const blobs: Buffer[] = [];
  const index = new Map<Buffer, number>();
  const ix = (b: Buffer) => {
    let i = index.get(b);
    if (i === undefined) index.set(b, (i = blobs.push(b) - 1));
    return i;
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const table = wires.map((w, i) => {
    const plain = plainFor(i);
    return [ix(VERSION_REQUEST), plain ? ix(plain) : NO_BLOB, ix(w.cdata), ix(w.packages), ix(CLOSE_BATCH)];
  });
  const parts: Buffer[] = [MAGIC, u32(blobs.length)];
  for (const b of blobs) parts.push(u32(b.length), b);
  parts.push(u32(table.length));
  for (const row of table) for (const i of row) parts.push(u32(i));
  return Buffer.concat(parts);
}

/** Runs jobs with the C generator; same interface as the forked Node one in pt-tls.ts. */
export class CLoad {
  readonly name = 'C (OpenSSL, epoll; simulations/bench/ptload/ptload.c)';
  private readonly wires: MachineWire[];
  /** Input files already written, by auth configuration. */
  private readonly inputs = new Map<string, string>();
  private readonly caFiles = new Map<string, string>();
  private child: ChildProcess | undefined;

  constructor(
    private readonly binary: string,
    private readonly dir: string,
    devices: number,
    inventories: { name: string; version: string }[][],
  ) {
    this.wires = machineWires(devices, inventories);
    onExit(() => this.stop());
  }

  private fileFor(kind: string, content: string | Buffer, cache: Map<string, string>, make: () => string | Buffer): string {
    const key = createHash('sha256').update(content).digest('hex').slice(0, 16);
    let path = cache.get(key);
    if (path === undefined) {
      path = join(this.dir, `${kind}-${key}`);
      writeFileSync(path, make());
      cache.set(key, path);
    }
    return path;
  }

  async run(job: Omit<LoadJob, 'kind'>): Promise<LoadResult> {
    const auth = JSON.stringify({ auth: job.auth ?? null, devices: job.deviceCredentials ?? null });
    const input = this.fileFor('ptload-input', auth, this.inputs, () => {
      const shared = job.auth ? saslPlain(job.auth.user, job.auth.password) : undefined;
      const perDevice = job.deviceCredentials?.map((c) => saslPlain('device', c));
      return encodePtloadInput(this.wires, (i) => (perDevice ? perDevice[i % perDevice.length] : shared));
    });
    const ca = this.fileFor('ca', job.caPem, this.caFiles, () => job.caPem);
    const args = ['--input', input, '--ca', ca, '--port', String(job.port), '--mode', job.mode, '--concurrency', String(job.concurrency), '--duration-ms', String(job.durationMs)];
    if (job.mode === 'open') args.push('--rate', String(job.rate));
    const stdout = await new Promise<string>((resolve, reject) => {
      this.child = execFile(this.binary, args, { maxBuffer: 1 << 30, encoding: 'utf8' }, (err, out, stderr) => {
        this.child = undefined;
        if (err) reject(new Error(`ptload: ${err.message}${stderr ? `: ${stderr.trim()}` : ''}`));
        else resolve(out);
      });
    });
    const { generator: _, clientUserS, clientSysS, ...result } = JSON.parse(stdout) as LoadResult & { generator: string; clientUserS: number; clientSysS: number };
    if (result.done > 0) console.log(`  ptload ${job.mode}: client CPU ${((clientUserS * 1000) / result.done).toFixed(2)} ms user + ${((clientSysS * 1000) / result.done).toFixed(2)} ms system per assessment`);
    return result;
  }

  stop(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Running a peer's tools (openssl, ldapadd, samba-tool, ...) to completion, without a shell. */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (default: nothing). */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
}

/** Resolves with the exit code and output, whatever the code. */
export function runCommand(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A tool that exits without reading its input (e.g. on a bind failure) must not EPIPE us.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Rejects with the command line and its output on a non-zero exit; resolves with its output. */
export async function mustRun(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await runCommand(bin, args, opts);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

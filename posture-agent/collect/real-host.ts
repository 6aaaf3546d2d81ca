/**
 * The HostProbe of the machine the agent runs on. Commands run without a shell (no quoting bugs,
 * no injection from anything a fact contains), with a timeout that kills the whole command, and
 * bounded output, so a hung or chatty tool costs at most its budget.
 */
import { execFile } from 'node:child_process';
import { open, readdir, stat } from 'node:fs/promises';
import type { CommandResult, CommandSpec, HostProbe, Platform } from './contract.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** A package inventory of 50,000 lines is a few MB; more than this is not a real host's answer. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const MAX_FILE_BYTES = 1024 * 1024;

export function currentPlatform(): Platform {
  return process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : 'linux';
}

export class RealHost implements HostProbe {
  constructor(readonly platform: Platform = currentPlatform()) {}

  run(cmd: CommandSpec): Promise<CommandResult> {
    const timeout = cmd.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve) => {
      // C locale: parsers read English output, whatever the user's language.
      const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
      execFile(cmd.file, [...cmd.args], { timeout, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, env, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err === null) return resolve({ stdout, stderr, code: 0 });
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
        if (e.code === 'ENOENT') return resolve({ stdout: '', stderr: '', code: null, failure: 'not found' });
        if (e.killed === true || e.signal === 'SIGKILL') return resolve({ stdout, stderr, code: null, failure: `timed out after ${timeout} ms` });
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ stdout: '', stderr: '', code: null, failure: `output over ${MAX_OUTPUT_BYTES} bytes` });
        if (typeof e.code === 'number') return resolve({ stdout, stderr, code: e.code });
        resolve({ stdout, stderr, code: null, failure: e.message });
      });
    });
  }

  async readFile(path: string): Promise<string | undefined> {
    let fh;
    try {
      fh = await open(path, 'r');
      const buf = Buffer.alloc(MAX_FILE_BYTES);
      const { bytesRead } = await fh.read(buf, 0, MAX_FILE_BYTES, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } catch {
      return undefined;
    } finally {
      await fh?.close().catch(() => {});
    }
  }

  async mtime(path: string): Promise<Date | undefined> {
    try {
      return (await stat(path)).mtime;
    } catch {
      return undefined;
    }
  }

  async listDir(path: string): Promise<string[] | undefined> {
    try {
      return await readdir(path);
    } catch {
      return undefined;
    }
  }

  now(): Date {
    return new Date();
  }
}

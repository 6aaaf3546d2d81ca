/**
 * A HostProbe that answers from recorded output: a JSON profile of command results and files.
 * The collectors' parsers then run exactly as on a real machine, so Windows and macOS collectors
 * are tested on Linux, and end-to-end tests can pose as a compliant or a neglected laptop.
 *
 * A command the profile does not list answers `not found`, like a tool that is not installed;
 * a file it does not list is missing. `delayMs` on a command simulates a hung tool (timeouts).
 * A profile read from a file is re-read when the file changes, so a test can "fix" the machine
 * under a running agent.
 */
import { readFileSync, statSync } from 'node:fs';
import type { CommandResult, CommandSpec, HostProbe, Platform } from './contract.js';

export interface RecordedCommand {
  stdout?: string;
  stderr?: string;
  /** Default 0. */
  code?: number | null;
  failure?: string;
  /** Answer only after this long (or never within the command's timeout). */
  delayMs?: number;
}

export interface HostProfile {
  platform: Platform;
  /** The host's clock, ISO 8601; default the real clock. */
  now?: string;
  /** By CommandSpec.id. */
  commands?: Record<string, RecordedCommand>;
  files?: Record<string, string>;
  mtimes?: Record<string, string>;
  dirs?: Record<string, string[]>;
}

export class FixtureHost implements HostProbe {
  readonly platform: Platform;
  /** Command ids asked for, in order: tests assert what a collector ran. */
  readonly ran: string[] = [];

  private file: { path: string; mtimeMs: number } | undefined;

  constructor(private profile: HostProfile) {
    this.platform = profile.platform;
  }

  static fromFile(path: string): FixtureHost {
    const host = new FixtureHost(JSON.parse(readFileSync(path, 'utf8')) as HostProfile);
    host.file = { path, mtimeMs: statSync(path).mtimeMs };
    return host;
  }

  /** The profile, re-read if its file changed (the platform stays what it was). */
  private get current(): HostProfile {
    if (this.file !== undefined) {
      const mtimeMs = statSync(this.file.path).mtimeMs;
      if (mtimeMs !== this.file.mtimeMs) {
        this.profile = JSON.parse(readFileSync(this.file.path, 'utf8')) as HostProfile;
        this.file.mtimeMs = mtimeMs;
      }
    }
    return this.profile;
  }

  async run(cmd: CommandSpec): Promise<CommandResult> {
    this.ran.push(cmd.id);
    const rec = this.current.commands?.[cmd.id];
    if (rec === undefined) return { stdout: '', stderr: '', code: null, failure: 'not found' };
    const timeout = cmd.timeoutMs ?? 10_000;
    if (rec.delayMs !== undefined && rec.delayMs > 0) {
      if (rec.delayMs >= timeout) {
        await new Promise((r) => setTimeout(r, timeout));
        return { stdout: '', stderr: '', code: null, failure: `timed out after ${timeout} ms` };
      }
      await new Promise((r) => setTimeout(r, rec.delayMs));
    }
    const result: CommandResult = { stdout: rec.stdout ?? '', stderr: rec.stderr ?? '', code: rec.code === undefined ? 0 : rec.code };
    if (rec.failure !== undefined) result.failure = rec.failure;
    return result;
  }

  async readFile(path: string): Promise<string | undefined> {
    return this.current.files?.[path];
  }

  async mtime(path: string): Promise<Date | undefined> {
    const t = this.current.mtimes?.[path];
    return t === undefined ? undefined : new Date(t);
  }

  async listDir(path: string): Promise<string[] | undefined> {
    return this.current.dirs?.[path];
  }

  now(): Date {
    const now = this.current.now;
    return now === undefined ? new Date() : new Date(now);
  }
}

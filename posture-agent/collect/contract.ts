/**
 * The collector (IMC side) contract. A collector reads raw facts from the host — files and command
 * output — and returns one fact value, never a judgement: "profile Public is off", not
 * "non-compliant". The server's verifiers judge (posture-checks.md, the IMC/IMV split).
 *
 * Collectors see the machine only through a HostProbe, so the same parser runs on the real host
 * and on recorded command output (fixtures). A collector that cannot tell throws
 * FactUnavailable with a reason, or simply throws: the runner (run-collectors.ts) turns either,
 * and a timeout, into an `unknown` fact. Nothing a collector does may crash the agent.
 */
import type { FactKey, FactValues } from '../../policy/posture/facts.js';

export type Platform = 'linux' | 'windows' | 'macos';

/** One external command. `id` names it for fixtures and logs; the real host runs file + args. */
export interface CommandSpec {
  /** Stable, dotted name, e.g. `linux.dpkg-query`, `windows.defender-status`. */
  id: string;
  file: string;
  args: readonly string[];
  /** Per-command budget; the collector's own budget still applies. Default 10 s. */
  timeoutMs?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when the command did not run to an exit (not found, killed, timed out). */
  code: number | null;
  /** Set when the command could not be run or was killed: `not found`, `timed out after 10000 ms`. */
  failure?: string;
}

export interface HostProbe {
  readonly platform: Platform;
  /** Never rejects: failures are in the result. */
  run(cmd: CommandSpec): Promise<CommandResult>;
  /** The file's text, or undefined when it is missing or unreadable. Reads at most 1 MiB. */
  readFile(path: string): Promise<string | undefined>;
  /** The file's modification time, or undefined when it is missing. */
  mtime(path: string): Promise<Date | undefined>;
  /** Names in a directory, or undefined when it is missing. */
  listDir(path: string): Promise<string[] | undefined>;
  now(): Date;
}

/** The facts a collector can produce: everything but `agent` (the agent states that itself). */
export type CollectedFactKey = Exclude<FactKey, 'agent'>;

export interface Collector<K extends CollectedFactKey = CollectedFactKey> {
  fact: K;
  /** What it reads, in one line, for `show-report` and the README (seed 000: say what is collected). */
  describe: string;
  /** Budget for the whole collector, commands included. Default DEFAULT_COLLECTOR_TIMEOUT_MS. */
  timeoutMs?: number;
  collect(host: HostProbe): Promise<FactValues[K]>;
}

export const DEFAULT_COLLECTOR_TIMEOUT_MS = 20_000;

/** What a collector throws when the host cannot tell: becomes an `unknown` fact with this reason. */
export class FactUnavailable extends Error {
  override readonly name = 'FactUnavailable';
}

/** One collector per fact a platform can report. */
export type CollectorSet = { [K in CollectedFactKey]?: Collector<K> };

/** Runs a command and returns its stdout, or throws FactUnavailable naming what went wrong. */
export async function stdoutOf(host: HostProbe, cmd: CommandSpec, okCodes: readonly number[] = [0]): Promise<string> {
  const r = await host.run(cmd);
  if (r.failure !== undefined) throw new FactUnavailable(`${cmd.file}: ${r.failure}`);
  if (r.code === null || !okCodes.includes(r.code)) {
    // PowerShell writes CRLF: split on either, so a reason never ends in a stray \r.
    const why = r.stderr.trim().split(/\r?\n/)[0]?.trim().slice(0, 200) ?? '';
    throw new FactUnavailable(`${cmd.file} exited with ${r.code}${why ? `: ${why}` : ''}`);
  }
  return r.stdout;
}

/**
 * A fallback chain: the first source that yields a value wins; when all fail, the reasons of
 * every step are joined, so `unknown` says what was tried (Security Center → Defender → process).
 */
export async function firstOf<T>(steps: readonly { name: string; read: () => Promise<T | undefined> }[]): Promise<T> {
  const reasons: string[] = [];
  for (const step of steps) {
    try {
      const v = await step.read();
      if (v !== undefined) return v;
      reasons.push(`${step.name}: nothing found`);
    } catch (e) {
      reasons.push(`${step.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new FactUnavailable(reasons.join('; '));
}

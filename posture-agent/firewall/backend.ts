/**
 * The platform side of the host firewall: a backend turns a rule set into the platform's own
 * firewall state (nftables, Windows Firewall, pf) through one external command, and may read the
 * live state back. The rule text comes from gateway/host-firewall's pure renderers; a backend only
 * runs it, so the text can be tested on any machine.
 */
import { spawn } from 'node:child_process';
import type { HostRuleSet } from '../../gateway/host-firewall/rule-set.js';

export type FirewallPlatform = 'linux' | 'windows' | 'macos';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to an exit: `not found`, `timed out after 10000 ms`. */
  failure?: string;
}

/** Runs argv with `stdin` written and closed. Never rejects. */
export type RunCommand = (argv: readonly string[], stdin: string, timeoutMs: number) => Promise<RunResult>;

/** What the live firewall holds, as far as the backend can tell. */
export type LiveState =
  | { present: false }
  | { present: true; marker?: string; chains: { name: string; hook?: string; policy?: string }[]; rules: number }
  | { unknown: string };

export interface FirewallBackend {
  readonly platform: FirewallPlatform;
  /** Makes the live firewall hold `rs` (for `open`: none of our rules). Throws HostFirewallError; on failure the previous state stays. */
  apply(rs: HostRuleSet): Promise<void>;
  /** Rules the rendered rule set holds on this platform. */
  ruleCount(rs: HostRuleSet): number;
  inspect(): Promise<LiveState>;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

export const runCommand: RunCommand = (argv, stdin, timeoutMs) =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    if (file === undefined) {
      resolve({ code: null, stdout: '', stderr: '', failure: 'empty command' });
      return;
    }
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (r: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ code: null, stdout, stderr, failure: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => done({ code: null, stdout, stderr, failure: e.code === 'ENOENT' ? `${file}: not found` : e.message }));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.on('error', () => {
      /* the child exited before reading: its exit code says why */
    });
    child.stdin.end(stdin);
  });

/** One line for logs and results: the command's failure or the first lines of its stderr. */
export function describeFailure(argv: readonly string[], r: RunResult): string {
  const why = r.failure ?? (r.stderr.trim().split('\n').slice(0, 3).join(' | ') || `exit code ${String(r.code)}`);
  return `${argv.join(' ')}: ${why}`;
}

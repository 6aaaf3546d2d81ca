/**
 * FreeRADIUS's radclient (Debian package freeradius-utils) as a NAS: sends requests read from
 * stdin and prints what came back. Used by tests as the real peer for MAB, accounting,
 * Status-Server and the wrong-secret cases, and by the benchmarks as the load generator.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { settled } from './child-settled.js';

export const RADCLIENT = '/usr/bin/radclient';

export function requireRadclient(): void {
  if (!existsSync(RADCLIENT)) throw new Error(`${RADCLIENT} not found: install the Debian package freeradius-utils (apt-get install freeradius-utils)`);
}

export interface RadclientRun {
  code: number | null;
  /** Set when radclient was killed (the 30 s guard) or crashed. */
  signal: NodeJS.Signals | null;
  output: string;
  /** Each reply radclient printed: its code name and attribute lines (`Name = value`). */
  replies: { code: string; attributes: string[] }[];
}

/**
 * Runs `radclient -x -t <timeout> -r <retries> host:port command secret` with `requests` on stdin
 * (attribute lists separated by blank lines for several requests).
 */
export async function radclient(o: { server: string; command: 'auth' | 'acct' | 'status' | 'coa' | 'disconnect'; secret: string; requests: string; timeoutSeconds?: number; retries?: number; extraArgs?: string[] }): Promise<RadclientRun> {
  requireRadclient();
  const args = ['-x', '-t', String(o.timeoutSeconds ?? 2), '-r', String(o.retries ?? 1), ...(o.extraArgs ?? []), o.server, o.command, o.secret];
  const child = spawn(RADCLIENT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(o.requests);
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const { code, signal } = await settled(child);
  clearTimeout(guard);
  return { code, signal, output, replies: parseReplies(output) };
}

function parseReplies(output: string): RadclientRun['replies'] {
  const replies: RadclientRun['replies'] = [];
  let current: RadclientRun['replies'][number] | undefined;
  for (const line of output.split('\n')) {
    const m = /^Received (\S+) Id \d+/.exec(line);
    if (m) {
      current = { code: m[1]!, attributes: [] };
      replies.push(current);
      continue;
    }
    if (/^(Sent|\(\d+\)|Expected|Packet|Received response|Failed|Error)/.test(line)) current = undefined;
    else if (current && /^\s+\S+.* = /.test(line)) current.attributes.push(line.trim());
  }
  return replies;
}

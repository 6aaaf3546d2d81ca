/**
 * The host firewall's part of the agent's state file: the last rule set applied, so a restarted
 * agent restores it before anything else (a reboot empties nftables and pf).
 *
 * It lives under one key, `hostFirewall`, of the agent's `state.json`; other keys are kept as
 * they are. Written to a temporary file and renamed, so a crash leaves the old or the new state,
 * never half of one.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HostRuleSet } from '../../gateway/host-firewall/rule-set.js';

export const STATE_KEY = 'hostFirewall';

export interface PersistedFirewall {
  version: 1;
  ruleSet: HostRuleSet;
  fingerprint: string;
  /** ISO 8601. */
  appliedAt: string;
}

export type ReadState = { kind: 'none' } | { kind: 'found'; value: unknown } | { kind: 'unreadable'; reason: string };

async function readWhole(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('state file is not a JSON object');
  return parsed as Record<string, unknown>;
}

export async function readFirewallState(path: string): Promise<ReadState> {
  try {
    const whole = await readWhole(path);
    if (whole === undefined || whole[STATE_KEY] === undefined) return { kind: 'none' };
    return { kind: 'found', value: whole[STATE_KEY] };
  } catch (e) {
    return { kind: 'unreadable', reason: e instanceof Error ? e.message : String(e) };
  }
}

/** `undefined` removes our key. Throws when the file cannot be written. */
export async function writeFirewallState(path: string, state: PersistedFirewall | undefined): Promise<void> {
  let whole: Record<string, unknown>;
  try {
    whole = (await readWhole(path)) ?? {};
  } catch {
    // An unreadable file is replaced: the firewall state must be recorded, and the rest was lost already.
    whole = {};
  }
  if (state === undefined) delete whole[STATE_KEY];
  else whole[STATE_KEY] = state;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(whole, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

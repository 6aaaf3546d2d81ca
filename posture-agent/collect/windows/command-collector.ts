/**
 * Most Windows facts are one PowerShell command and one parser: this is that collector, so each
 * fact's file says only what it reads and how it parses it.
 */
import { stdoutOf, type CollectedFactKey, type Collector, type CommandSpec } from '../contract.js';
import type { FactValues } from '../../../policy/posture/facts.js';

/** Room beyond the command's own budget for spawning it and parsing its output. */
export const COLLECTOR_MARGIN_MS = 5_000;

export const budgetOf = (...cmds: CommandSpec[]): number => cmds.reduce((sum, c) => sum + (c.timeoutMs ?? 10_000), COLLECTOR_MARGIN_MS);

export function commandCollector<K extends CollectedFactKey>(
  fact: K,
  describe: string,
  cmd: CommandSpec,
  parse: (stdout: string) => FactValues[K],
): Collector<K> {
  return { fact, describe, timeoutMs: budgetOf(cmd), collect: async (host) => parse(await stdoutOf(host, cmd)) };
}

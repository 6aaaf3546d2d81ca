/**
 * A command run synchronously inside a network namespace: `wrapped` is argv already prefixed to
 * run there (`ip netns exec NS ...`). A failure names the command, the namespace, and its output.
 */
import { execFileSync } from 'node:child_process';

export function execInNamespace(wrapped: readonly string[], argv: readonly string[], namespace: string): string {
  const [file, ...args] = wrapped as [string, ...string[]];
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; status?: number };
    throw new Error(`${argv.join(' ')} in ${namespace} exited ${String(err.status)}: ${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/**
 * Cleanup when the test process exits normally: daemons run in the foreground (radiusd, slapd) do
 * not die with it by themselves, and network namespaces outlive it. setpriv's parent-death signal
 * covers hard deaths; this covers a normal exit, synchronously.
 */
import type { ChildProcess } from 'node:child_process';

const cleanups = new Set<() => void>();
let hooked = false;

/** Runs `cleanup` (synchronous) when the process exits, unless the returned function is called first. */
export function atExit(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of cleanups) c();
    });
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function killOnExit(child: ChildProcess): void {
  const forget = atExit(() => child.kill('SIGKILL'));
  child.once('exit', forget);
}

/**
 * Daemons run in the foreground (radiusd, slapd) do not die with the test process by themselves.
 * setpriv's parent-death signal covers hard deaths; this covers a normal exit, synchronously.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

export function killOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * When a child's output is complete. Node's 'exit' fires when the process ends, possibly before
 * the last of its stdout and stderr has been read from the pipes: output parsed on 'exit' lost
 * its tail under load (radclient's last replies, cut mid-line). 'close' waits for the pipes, but
 * never fires while a process the child forked still holds them (a daemonising dhclient), so
 * after 'exit' it is given `graceMs` at most.
 */
import type { ChildProcess } from 'node:child_process';

export interface Settled {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function settled(child: ChildProcess, graceMs = 2000): Promise<Settled> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      if (timer) clearTimeout(timer);
      child.removeListener('close', done);
      resolve({ code, signal });
    };
    child.once('close', done);
    child.once('exit', (code, signal) => {
      timer = setTimeout(() => done(code, signal), graceMs);
    });
  });
}

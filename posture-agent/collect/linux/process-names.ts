/**
 * Names of the running processes, from /proc/<pid>/comm: no pgrep needed, and nothing is parsed
 * out of command lines a user controls. comm is the executable's name cut to 15 characters.
 */
import type { HostProbe } from '../contract.js';
import { LINUX_FILES } from './commands.js';

/** Bounded, so a host with thousands of processes never has thousands of files open at once. */
const PARALLEL_READS = 64;

export async function processNames(host: HostProbe): Promise<string[] | undefined> {
  const entries = await host.listDir(LINUX_FILES.proc);
  if (entries === undefined) return undefined;
  const pids = entries.filter((e) => /^\d+$/.test(e));
  const names: string[] = [];
  for (let i = 0; i < pids.length; i += PARALLEL_READS) {
    const batch = await Promise.all(pids.slice(i, i + PARALLEL_READS).map((pid) => host.readFile(`${LINUX_FILES.proc}/${pid}/comm`)));
    // A process that exited between listing and reading simply has no name.
    for (const comm of batch) if (comm !== undefined) names.push(comm.trim());
  }
  return names;
}

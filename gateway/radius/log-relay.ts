/**
 * Log lines from RADIUS worker processes and EAP threads, into the main process's log. They log
 * pino JSON to their own stdout; each line is written unchanged to the main logger's destination,
 * so every line of the server ends up in one place (a file, journald, a test's capture) and in
 * order of arrival. Anything on stderr (a crash trace, a Node warning) is logged as a warning.
 */
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import pino, { type Logger } from 'pino';

export function relayLogLines(log: Logger, stdout: Readable | null | undefined, stderr: Readable | null | undefined, onStderr: (line: string) => void): void {
  const destination = (log as unknown as Record<symbol, { write(s: string): void } | undefined>)[pino.symbols.streamSym];
  if (stdout) createInterface({ input: stdout }).on('line', (line) => destination?.write(`${line}\n`));
  if (stderr) createInterface({ input: stderr }).on('line', onStderr);
}

/**
 * Runs the nft binary: a script on stdin as one transaction, or a JSON listing of our table.
 *
 * No shell: the argv is fixed here, the script goes through stdin, so nothing in it is ever
 * interpreted by anything but nft's own parser. `wrap` prefixes the argv (tests run the same
 * scripts as `ip netns exec NS nft ...` in a namespace of their own).
 */
import { spawn } from 'node:child_process';

export interface NftRunnerOptions {
  /** Path of nft. Default `nft` (looked up in PATH). */
  binary?: string;
  /** Rewrites the argv before spawning, e.g. `(argv) => ['ip', 'netns', 'exec', ns, ...argv]`. */
  wrap?: (argv: string[]) => string[];
  /** A run that takes longer is killed and rejected. Default 30 s. */
  timeoutMs?: number;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** First lines of nft's complaint: enough to name the failing statement, not a 10k-element echo. */
function firstLines(text: string, lines = 8, chars = 2000): string {
  const head = text.trim().split('\n').slice(0, lines).join('\n');
  return head.length > chars ? `${head.slice(0, chars)}…` : head;
}

export class NftRunner {
  readonly #binary: string;
  readonly #wrap: (argv: string[]) => string[];
  readonly #timeoutMs: number;

  constructor(o: NftRunnerOptions = {}) {
    this.#binary = o.binary ?? 'nft';
    this.#wrap = o.wrap ?? ((argv) => argv);
    this.#timeoutMs = o.timeoutMs ?? 30_000;
  }

  #exec(args: string[], stdin: string): Promise<Result> {
    const argv = this.#wrap([this.#binary, ...args]);
    const [cmd, ...rest] = argv;
    if (cmd === undefined) return Promise.reject(new Error('nft: empty command line'));
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      // SIGKILL: nft sends its batch in one go, so the kernel either committed it or never saw it.
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, this.#timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      // EPIPE when nft exits before reading all of stdin: its exit status tells the story.
      child.stdin.on('error', () => {});
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`nft: cannot run ${argv.join(' ')}: ${e.message}`, { cause: e }));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        if (timedOut) reject(new Error(`nft: ${argv.join(' ')} timed out after ${this.#timeoutMs} ms${stderr ? `: ${firstLines(stderr)}` : ''}`));
        else resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr });
      });
      child.stdin.end(stdin);
    });
  }

  /** Applies a script as one transaction; rejects with nft's first lines of stderr on failure. */
  async run(script: string): Promise<void> {
    const r = await this.#exec(['-f', '-'], script);
    if (r.code !== 0) throw new Error(`nft -f - exited ${r.code ?? 'by signal'}: ${firstLines(r.stderr) || '(no output)'}`);
  }

  /** `nft -j list table`, parsed; undefined when the table does not exist. */
  async listTable(family: string, table: string): Promise<unknown> {
    const r = await this.#exec(['-j', 'list', 'table', family, table], '');
    if (r.code !== 0) {
      // ENOENT is how nft says the table is not there. Anchored on nft's own "Error:" prefix, so a
      // wrapper failing to exec nft (`exec of "nft" failed: No such file or directory`) stays an error.
      if (/^Error: No such file or directory/m.test(r.stderr)) return undefined;
      throw new Error(`nft list table ${family} ${table} exited ${r.code ?? 'by signal'}: ${firstLines(r.stderr) || '(no output)'}`);
    }
    try {
      return JSON.parse(r.stdout) as unknown;
    } catch (e) {
      throw new Error(`nft list table ${family} ${table}: output is not JSON: ${firstLines(r.stdout, 2, 200)}`, { cause: e });
    }
  }
}

/**
 * Kenneki's HTTP API called from inside a network namespace: a server started in a namespace of
 * the test's own has no route from the root namespace, so each call runs a short `node` fetch
 * inside it (through the topology's `wrap`).
 */
import { execFile } from 'node:child_process';

const FETCH = `
(async () => {
  const [url, method, auth, body] = process.argv.slice(1);
  const headers = {};
  if (auth) headers.authorization = 'Bearer ' + auth;
  if (body) headers['content-type'] = 'application/json';
  const r = await fetch(url, { method, headers, body: body || undefined });
  process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() }));
})().catch((e) => { console.error(String(e)); process.exit(1); });`;

/** `json` is the parsed body when it is JSON; `text` is the body as it came (e.g. /metrics). */
export type NsApi = (method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; json: any; text: string }>;

/** `wrap(argv)` runs argv inside the namespace; `base` is the server's URL as seen from there. */
export function nsApi(wrap: (argv: string[]) => string[], base: string, defaultToken: () => string | undefined): NsApi {
  return (method, path, body, token) => {
    const [file, ...args] = wrap([process.execPath, '-e', FETCH, base + path, method, token ?? defaultToken() ?? '', body === undefined ? '' : JSON.stringify(body)]) as [string, ...string[]];
    return new Promise((resolve, reject) => {
      execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`${method} ${path} failed: ${stderr || String(err)}`));
        try {
          const { status, text } = JSON.parse(stdout) as { status: number; text: string };
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status, json, text });
        } catch (e) {
          reject(new Error(`${method} ${path}: unreadable answer from the fetch script: ${String(e)}`));
        }
      });
    });
  };
}

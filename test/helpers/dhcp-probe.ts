/**
 * Hand-built DHCP messages sent from inside a namespace, for the messages no Debian client sends
 * on demand (INFORM, a REQUEST naming another server, an INIT-REBOOT for someone else's address,
 * DISCOVERs from many MACs). The messages are built with Kenneki's codec in the test; a short
 * `node` script inside the client namespace sends them over a real UDP socket on port 68 and
 * returns every datagram that comes back, which the test decodes.
 */
import { execFile } from 'node:child_process';
import { decodeDhcp, type DhcpMessage } from '../../gateway/dhcp/codec/index.js';

const PROBE = `
const dgram = require('node:dgram');
const [spec] = process.argv.slice(1);
const { sends, listenMs, bind } = JSON.parse(spec);
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const got = [];
s.on('message', (m, r) => got.push({ from: r.address, port: r.port, bytes: m.toString('base64') }));
s.bind(68, bind, async () => {
  s.setBroadcast(true);
  for (const x of sends) {
    await new Promise((res, rej) => s.send(Buffer.from(x.bytes, 'base64'), x.port, x.to, (e) => (e ? rej(e) : res())));
    if (x.gapMs) await new Promise((r) => setTimeout(r, x.gapMs));
  }
  setTimeout(() => { s.close(); process.stdout.write(JSON.stringify(got)); }, listenMs);
});`;

export interface ProbeSend {
  bytes: Uint8Array;
  to: string;
  port?: number;
  /** Pause after this one, e.g. to let the server answer before the next. */
  gapMs?: number;
}

export interface ProbeReply {
  from: string;
  port: number;
  message: DhcpMessage;
}

/** Sends `sends` in order from `bind`:68 inside the namespace, and collects replies for `listenMs`. */
export function probe(wrap: (argv: string[]) => string[], sends: readonly ProbeSend[], opts: { listenMs?: number; bind?: string } = {}): Promise<ProbeReply[]> {
  const spec = JSON.stringify({ sends: sends.map((x) => ({ bytes: Buffer.from(x.bytes).toString('base64'), to: x.to, port: x.port ?? 67, gapMs: x.gapMs ?? 0 })), listenMs: opts.listenMs ?? 1500, bind: opts.bind ?? '0.0.0.0' });
  const [file, ...args] = wrap([process.execPath, '-e', PROBE, spec]) as [string, ...string[]];
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`DHCP probe failed: ${stderr || String(err)}`));
      try {
        const got = JSON.parse(stdout) as { from: string; port: number; bytes: string }[];
        resolve(got.map((g) => ({ from: g.from, port: g.port, message: decodeDhcp(Buffer.from(g.bytes, 'base64')) })));
      } catch (e) {
        reject(new Error(`DHCP probe: unreadable output ${JSON.stringify(stdout)}: ${String(e)}`));
      }
    });
  });
}

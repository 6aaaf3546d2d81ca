/** `kenneki-agent enroll --server HOST[:PORT] --token T`. */
import { hostname } from 'node:os';
import { KENNEKI_VENDOR_ID } from '../../policy/tnc/pa/constants.js';
import { enroll } from '../client/enroll.js';
import type { AgentContext } from '../context.js';
import { saveEnrollment } from '../state/enrollment.js';

export const PT_TLS_PORT = 271;

/** `host`, `host:port`, `[v6]:port`, or a bare IPv6 address. */
export function parseServerAddress(s: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  const m = v6 ?? (s.split(':').length === 2 ? /^([^:]+):(\d+)$/.exec(s) : /^([^:]+)$/.exec(s) ?? (s.includes(':') ? [s, s] : null));
  if (m === null || m[1] === undefined || m[1] === '') throw new Error(`not a server address: ${JSON.stringify(s)} (use HOST or HOST:PORT)`);
  const port = m[2] === undefined ? PT_TLS_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${m[2]}`);
  return { host: m[1], port };
}

export async function enrollCommand(ctx: AgentContext, opts: { server: string; token: string; vendorId?: string }): Promise<string> {
  const { host, port } = parseServerAddress(opts.server);
  const vendorId = opts.vendorId === undefined ? KENNEKI_VENDOR_ID : Number(opts.vendorId);
  if (!Number.isInteger(vendorId) || vendorId < 1 || vendorId > 0xfffffe) throw new Error(`--vendor-id must be an integer 1..16777214, got ${opts.vendorId}`);
  // The machine id names the endpoint on the server, so the admin finds the device they know.
  const id = (await ctx.source.facts(['deviceId'])).deviceId;
  const machineId = id?.status === 'ok' ? id.value : undefined;
  const e = await enroll({ host, port, token: opts.token, vendorId, ...(machineId !== undefined ? { machineId } : {}), hostname: hostname(), timeoutMs: ctx.config.timeoutSeconds * 1000 });
  saveEnrollment(ctx.paths, e);
  return `Enrolled with ${host}:${port} as device ${e.deviceId} (endpoint ${e.endpointId}, tenant ${e.tenantId}).\nCredentials are in ${ctx.paths.dir}. Run "kenneki-agent check" to assess this device now.`;
}

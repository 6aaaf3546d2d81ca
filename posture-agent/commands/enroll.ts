/** `kenneki-agent enroll --server HOST[:PORT] --token T`. */
import { hostname } from 'node:os';
import { KENNEKI_VENDOR_ID } from '../../policy/tnc/pa/constants.js';
import { PT_TLS_PORT } from '../../gateway/host-firewall/rule-set.js';
import { enroll } from '../client/enroll.js';
import type { AgentContext } from '../context.js';
import { saveEnrollment } from '../state/enrollment.js';

/** `host`, `host:port`, `[v6]:port`, `[v6]`, or a bare IPv6 address; the port defaults to PT-TLS's 271. */
export function parseServerAddress(s: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(s);
  const parts = s.split(':');
  const [host, portText] = bracketed !== null ? [bracketed[1], bracketed[2]] : parts.length === 2 ? parts : [s, undefined];
  if (host === undefined || host === '') throw new Error(`not a server address: ${JSON.stringify(s)} (use HOST or HOST:PORT)`);
  const port = portText === undefined ? PT_TLS_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${portText}`);
  return { host, port };
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

/**
 * Where the agent keeps its state: the enrollment (server, CA, device certificate and key, device
 * credential), the last outcome for `status`, the facts the server last asked for (for
 * `show-report`) and the host-firewall state. Secrets are written 0600 in a 0700 directory.
 */
import { join } from 'node:path';
import type { Platform } from '../collect/contract.js';

export function defaultStateDir(platform: Platform, env: NodeJS.ProcessEnv = process.env): string {
  if (env.KENNEKI_AGENT_STATE_DIR) return env.KENNEKI_AGENT_STATE_DIR;
  if (platform === 'windows') return join(env.ProgramData ?? 'C:\\ProgramData', 'Kenneki', 'Agent');
  if (platform === 'macos') return '/Library/Application Support/Kenneki/Agent';
  return '/var/lib/kenneki-agent';
}

export interface StatePaths {
  dir: string;
  enrollment: string;
  caCert: string;
  deviceCert: string;
  deviceKey: string;
  credential: string;
  status: string;
  requested: string;
  firewall: string;
  config: string;
}

export function statePaths(dir: string): StatePaths {
  return {
    dir,
    enrollment: join(dir, 'enrollment.json'),
    caCert: join(dir, 'ca.crt'),
    deviceCert: join(dir, 'device.crt'),
    deviceKey: join(dir, 'device.key'),
    credential: join(dir, 'credential'),
    status: join(dir, 'status.json'),
    requested: join(dir, 'requested.json'),
    firewall: join(dir, 'firewall.json'),
    config: join(dir, 'agent.json'),
  };
}

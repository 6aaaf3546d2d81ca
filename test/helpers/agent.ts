/**
 * The real `kenneki-agent` CLI, run as a process the way an admin or a service manager runs it,
 * with its collectors reading a recorded host profile (--host-fixture) so that the test decides
 * what the "laptop" looks like. Profiles are copied into the test's folder so a test can change
 * the machine under a running agent (the fixture host re-reads its file).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostProfile } from '../../posture-agent/collect/fixture-host.js';
import { ROOT, spawnBin, type Spawned } from './process.js';

/** What devices run: the single-file bundle (`npm run build:agent`, rebuilt by the test setup). */
export const AGENT_BUNDLE = join(ROOT, 'dist', 'agent', 'kenneki-agent.mjs');

export const LINUX_PROFILES = join(ROOT, 'posture-agent', 'collect', 'linux', 'fixtures');

export interface AgentRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestAgent {
  stateDir: string;
  profile: string;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<AgentRun>;
  spawn(args: string[], env?: NodeJS.ProcessEnv): Spawned;
  /** Replaces the machine the agent sees (the fixture is re-read on its next collection). */
  become(profile: HostProfile): void;
  /** Changes the current profile in place. */
  edit(fn: (p: HostProfile) => void): void;
}

export function readProfile(name: string): HostProfile {
  return JSON.parse(readFileSync(join(LINUX_PROFILES, name), 'utf8')) as HostProfile;
}

/** `wrap` runs the agent elsewhere, e.g. `(argv) => ['ip', 'netns', 'exec', ns, ...argv]` for a laptop in a namespace. */
export function testAgent(dir: string, initialProfile: string, bin = AGENT_BUNDLE, wrap: (argv: string[]) => string[] = (argv) => argv): TestAgent {
  const profile = join(dir, 'host.json');
  copyFileSync(join(LINUX_PROFILES, initialProfile), profile);
  const stateDir = join(dir, 'state');
  const globals = ['--state-dir', stateDir, '--host-fixture', profile];
  // English, whatever the machine's locale: assertions read the texts.
  const baseEnv = { LANG: 'C', LC_ALL: '', LC_MESSAGES: '' };
  return {
    stateDir,
    profile,
    run: (args, env = {}) =>
      new Promise((resolve) => {
        const [file, ...argv] = wrap([process.execPath, bin, ...globals, ...args]) as [string, ...string[]];
        execFile(file, argv, { cwd: ROOT, env: { ...process.env, ...baseEnv, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
          resolve({ code, stdout, stderr });
        });
      }),
    spawn: (args, env = {}) => spawnBin(bin, [...globals, ...args], { env: { ...baseEnv, ...env }, wrap: wrap([]) }),
    become(p) {
      writeFileSync(profile, JSON.stringify(p));
    },
    edit(fn) {
      const p = JSON.parse(readFileSync(profile, 'utf8')) as HostProfile;
      fn(p);
      writeFileSync(profile, JSON.stringify(p));
    },
  };
}

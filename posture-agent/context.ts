/**
 * Everything a command needs, built once from the global options: the state directory, the host
 * the collectors read (this machine, or a recorded profile with --host-fixture), the collectors
 * for its platform, the config and the language.
 */
import type { CollectorSet, HostProbe, Platform } from './collect/contract.js';
import { FixtureHost } from './collect/fixture-host.js';
import { linuxCollectors } from './collect/linux/index.js';
import { macosCollectors } from './collect/macos/index.js';
import { RealHost } from './collect/real-host.js';
import { windowsCollectors } from './collect/windows/index.js';
import { loadAgentConfig, type AgentConfig } from './config.js';
import { FactSource } from './fact-source.js';
import { parseLanguageOverride, resolveLanguage } from './notice/locale.js';
import type { AgentLanguage } from './outcome.js';
import { defaultStateDir, statePaths, type StatePaths } from './state/paths.js';

export const COLLECTORS: Record<Platform, CollectorSet> = { linux: linuxCollectors, windows: windowsCollectors, macos: macosCollectors };

export interface GlobalOptions {
  stateDir?: string;
  lang?: string;
  hostFixture?: string;
}

export interface AgentContext {
  paths: StatePaths;
  host: HostProbe;
  collectors: CollectorSet;
  source: FactSource;
  config: AgentConfig;
  language: AgentLanguage;
}

export function agentContext(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): AgentContext {
  const fixture = g.hostFixture ?? env.KENNEKI_AGENT_HOST_FIXTURE;
  const host: HostProbe = fixture !== undefined && fixture !== '' ? FixtureHost.fromFile(fixture) : new RealHost();
  const paths = statePaths(g.stateDir ?? defaultStateDir(host.platform, env));
  const config = loadAgentConfig(paths.config);
  let override: AgentLanguage | undefined = config.language;
  if (g.lang !== undefined) {
    override = parseLanguageOverride(g.lang);
    if (override === undefined) throw new Error(`unsupported language ${JSON.stringify(g.lang)}: use en or ja`);
  }
  const { language } = resolveLanguage({ ...(override !== undefined ? { override } : {}), env });
  const collectors = COLLECTORS[host.platform];
  return { paths, host, collectors, source: new FactSource(host, collectors), config, language };
}

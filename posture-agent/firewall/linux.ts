/**
 * Linux backend: `nft -f -` with the rendered script on stdin (one transaction: the table is
 * replaced whole or not at all), and `nft -j list table` to read it back. `command` prefixes nft,
 * e.g. `['ip', 'netns', 'exec', NS, 'nft']` in tests.
 */
import { NFT_FAMILY, NFT_TABLE, nftRuleCount, renderNftables } from '../../gateway/host-firewall/nftables.js';
import type { HostRuleSet } from '../../gateway/host-firewall/rule-set.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, describeFailure, runCommand, type FirewallBackend, type LiveState, type RunCommand } from './backend.js';
import { HostFirewallError } from './errors.js';

export interface NftablesBackendOptions {
  command?: readonly string[];
  run?: RunCommand;
  timeoutMs?: number;
}

export class NftablesBackend implements FirewallBackend {
  readonly platform = 'linux' as const;
  private readonly command: readonly string[];
  private readonly run: RunCommand;
  private readonly timeoutMs: number;

  constructor(opts: NftablesBackendOptions = {}) {
    this.command = opts.command ?? ['nft'];
    this.run = opts.run ?? runCommand;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  async apply(rs: HostRuleSet): Promise<void> {
    const argv = [...this.command, '-f', '-'];
    const r = await this.run(argv, renderNftables(rs), this.timeoutMs);
    if (r.code !== 0) throw new HostFirewallError('KENNEKI_ERR_HOST_FIREWALL_APPLY', describeFailure(argv, r));
  }

  ruleCount(rs: HostRuleSet): number {
    return nftRuleCount(rs);
  }

  async inspect(): Promise<LiveState> {
    const argv = [...this.command, '-j', 'list', 'table', NFT_FAMILY, NFT_TABLE];
    const r = await this.run(argv, '', this.timeoutMs);
    if (r.code !== 0) {
      if (/No such file or directory/i.test(r.stderr)) return { present: false };
      return { unknown: describeFailure(argv, r) };
    }
    try {
      return parseNftJson(r.stdout);
    } catch (e) {
      return { unknown: `${argv.join(' ')}: unreadable JSON (${e instanceof Error ? e.message : String(e)})` };
    }
  }
}

/** `nft -j list table` → chains, rule count and our marker (the comment of the first output rule). */
export function parseNftJson(text: string): LiveState {
  const doc = JSON.parse(text) as { nftables?: Record<string, Record<string, unknown>>[] };
  const items = Array.isArray(doc.nftables) ? doc.nftables : [];
  const chains: { name: string; hook?: string; policy?: string }[] = [];
  let rules = 0;
  let marker: string | undefined;
  for (const item of items) {
    const chain = item.chain;
    if (chain !== undefined) {
      const c: { name: string; hook?: string; policy?: string } = { name: String(chain.name) };
      if (typeof chain.hook === 'string') c.hook = chain.hook;
      if (typeof chain.policy === 'string') c.policy = chain.policy;
      chains.push(c);
    }
    const rule = item.rule;
    if (rule !== undefined) {
      rules++;
      if (marker === undefined && rule.chain === 'output' && typeof rule.comment === 'string') marker = rule.comment;
    }
  }
  return marker === undefined ? { present: true, chains, rules } : { present: true, marker, chains, rules };
}

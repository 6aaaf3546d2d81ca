/**
 * macOS backend: loads the rendered anchor with pfctl and enables pf; `open` flushes the anchor.
 * Not run by the tests (no macOS here); the anchor text is tested in gateway/host-firewall.
 */
import { PF_APPLY_COMMANDS, PF_REMOVE_COMMANDS, renderPfAnchor } from '../../gateway/host-firewall/pf.js';
import type { HostRuleSet } from '../../gateway/host-firewall/rule-set.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, describeFailure, runCommand, type FirewallBackend, type LiveState, type RunCommand } from './backend.js';
import { HostFirewallError } from './errors.js';

export class PfBackend implements FirewallBackend {
  readonly platform = 'macos' as const;

  constructor(
    private readonly run: RunCommand = runCommand,
    private readonly timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ) {}

  async apply(rs: HostRuleSet): Promise<void> {
    const anchor = renderPfAnchor(rs);
    for (const argv of rs.mode === 'open' ? PF_REMOVE_COMMANDS : PF_APPLY_COMMANDS) {
      const r = await this.run(argv, argv.includes('-f') ? anchor : '', this.timeoutMs);
      if (r.code !== 0) throw new HostFirewallError('KENNEKI_ERR_HOST_FIREWALL_APPLY', describeFailure(argv, r));
    }
  }

  ruleCount(rs: HostRuleSet): number {
    return rs.mode === 'open' ? 0 : renderPfAnchor(rs).split('\n').filter((l) => /^(pass|block) /.test(l)).length;
  }

  async inspect(): Promise<LiveState> {
    return { unknown: 'the live anchor is not read back on macOS' };
  }
}

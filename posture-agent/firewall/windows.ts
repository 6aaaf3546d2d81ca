/**
 * Windows backend: the rendered PowerShell script on the stdin of powershell.exe. Not run by the
 * tests (no Windows here); the script text is tested in gateway/host-firewall.
 */
import { POWERSHELL_COMMAND, renderPowerShell } from '../../gateway/host-firewall/powershell.js';
import { remediationGroups, type HostRuleSet } from '../../gateway/host-firewall/rule-set.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, describeFailure, runCommand, type FirewallBackend, type LiveState, type RunCommand } from './backend.js';
import { HostFirewallError } from './errors.js';

export class WindowsFirewallBackend implements FirewallBackend {
  readonly platform = 'windows' as const;

  constructor(
    private readonly run: RunCommand = runCommand,
    private readonly timeoutMs = 3 * DEFAULT_COMMAND_TIMEOUT_MS,
  ) {}

  async apply(rs: HostRuleSet): Promise<void> {
    const r = await this.run(POWERSHELL_COMMAND, renderPowerShell(rs), this.timeoutMs);
    if (r.code !== 0) throw new HostFirewallError('KENNEKI_ERR_HOST_FIREWALL_APPLY', describeFailure(POWERSHELL_COMMAND, r));
  }

  ruleCount(rs: HostRuleSet): number {
    if (rs.mode === 'open') return 0;
    const servers = rs.server.length;
    const remediation = remediationGroups(rs).reduce((n, g) => n + (g.protocol === 'any' && g.ports !== undefined ? 2 : 1), 0);
    return 3 + (rs.dns.length > 0 ? 2 : 0) + servers + remediation;
  }

  async inspect(): Promise<LiveState> {
    return { unknown: 'the live rules are not read back on Windows' };
  }
}

/** `kenneki-agent firewall status`: what the personal firewall holds, and whether the OS agrees. */
import type { AgentContext } from '../context.js';
import { HostFirewall } from '../firewall/host-firewall.js';
import { isEnrolled, loadEnrollment } from '../state/enrollment.js';

export async function firewallStatusCommand(ctx: AgentContext, opts: { json?: boolean }): Promise<{ text: string; exitCode: number }> {
  const servers = isEnrolled(ctx.paths) ? [(({ host, port }) => ({ host, port }))(loadEnrollment(ctx.paths))] : [];
  const s = await new HostFirewall({ stateFile: ctx.paths.firewall, servers }).status();
  // Mismatch means the rules on the machine are not the ones the agent applied: someone changed them.
  const exitCode = s.live === 'mismatch' ? 2 : 0;
  if (opts.json) return { text: `${JSON.stringify(s, null, 2)}\n`, exitCode };
  const mode = s.mode === 'isolate' ? 'quarantine rules applied' : s.mode === 'open' ? 'no quarantine rules (open)' : 'never applied';
  const lines = [
    `Personal firewall (${s.platform}): ${mode}`,
    ...(s.appliedAt ? [`  applied at ${s.appliedAt}, ${s.rules} rules, fingerprint ${s.fingerprint}`] : []),
    `  live rules: ${s.live}${s.detail ? ` (${s.detail})` : ''}`,
  ];
  return { text: `${lines.join('\n')}\n`, exitCode };
}

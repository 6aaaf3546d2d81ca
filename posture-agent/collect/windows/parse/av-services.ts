/**
 * Antivirus services as the Service Control Manager sees them (`Get-Service`; scripts.ts
 * AV_SERVICES_SCRIPT), the last step of the antivirus chain.
 *
 * A running process cannot say whether protection is enabled; a service can say a little more:
 * `running` is the service running now; `enabled` is running AND set to start with Windows
 * (Automatic, Boot or System), so a service someone started by hand, gone at the next boot, is not
 * reported as enabled. This is weaker evidence than Security Center's or Defender's own state,
 * which is why it comes last.
 */
import type { AntivirusProduct } from '../../../../policy/posture/facts.js';
import { avServiceProduct } from '../av-services.js';
import { parsePsJson, recordsOf, text } from '../ps-json.js';

/** ServiceControllerStatus.Running is 4, when the script's formatting was lost. */
const isRunning = (v: unknown): boolean => v === 4 || (typeof v === 'string' && v.trim().toLowerCase() === 'running');
/** ServiceStartMode Boot 0, System 1, Automatic 2; PowerShell 7 adds AutomaticDelayedStart. */
const startsWithWindows = (v: unknown): boolean =>
  v === 0 || v === 1 || v === 2 || (typeof v === 'string' && /^(boot|system|automatic)/i.test(v.trim()));

export function parseAvServices(stdout: string): AntivirusProduct[] {
  const products: AntivirusProduct[] = [];
  for (const s of recordsOf(parsePsJson(stdout, 'Get-Service'), 'Get-Service')) {
    const service = text(s.Name);
    if (!service) continue;
    const running = isRunning(s.Status);
    products.push({ name: avServiceProduct(service) ?? (text(s.DisplayName) || service), running, enabled: running && startsWithWindows(s.StartType) });
  }
  return products.slice(0, 32);
}

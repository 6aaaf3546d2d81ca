/**
 * Antivirus, by a fallback chain (posture-checks.md):
 * 1. Security Center lists every registered product, Defender and third-party, with its state.
 *    Defender's entry is completed from Get-MpComputerStatus (signature age, tamper protection),
 *    which Security Center does not expose; if that fails the entry stays as Security Center says.
 * 2. Defender alone, where there is no Security Center (Windows Server: "Invalid namespace") or it
 *    lists nothing. When Defender is not protecting, the service check is asked for what is.
 * 3. The antivirus services (av-services.ts), when Defender cannot answer either: a server with a
 *    third-party product and Defender removed. Its answer, even "none found", is the last word.
 */
import { firstOf, stdoutOf, type Collector, type HostProbe } from '../contract.js';
import type { AntivirusProduct } from '../../../policy/posture/facts.js';
import { WINDOWS_COMMANDS as C } from './commands.js';
import { budgetOf } from './command-collector.js';
import { parseAvServices } from './parse/av-services.js';
import { DEFENDER_PRODUCT, parseDefenderStatus } from './parse/defender.js';
import { parseSecurityCenter, type SecurityCenterProduct } from './parse/security-center.js';

const defenderStatus = async (host: HostProbe) => parseDefenderStatus(await stdoutOf(host, C.defenderStatus));
const services = async (host: HostProbe) => parseAvServices(await stdoutOf(host, C.avServices));

/**
 * Security Center knows a product's state, not its process: `running` is "reports a live state"
 * (on, snoozed or expired), `enabled` is "on". The signatures bit has no place in the fact unless
 * Defender gives the age (see the report on the contract).
 */
function fromState(p: SecurityCenterProduct): AntivirusProduct {
  const live = p.state.scanner === 'on' || p.state.scanner === 'snoozed' || p.state.scanner === 'expired';
  // Security Center still calls it "Windows Defender"; one name for Defender whichever step saw it,
  // so a rule or a definitions entry for the product matches on clients and servers alike.
  return { name: p.defender ? DEFENDER_PRODUCT : p.name, running: live, enabled: p.state.scanner === 'on' };
}

async function fromSecurityCenter(host: HostProbe): Promise<AntivirusProduct[] | undefined> {
  const registered = parseSecurityCenter(await stdoutOf(host, C.securityCenterAv));
  if (registered.length === 0) return undefined;
  const detail = registered.some((p) => p.defender) ? await defenderStatus(host).catch(() => undefined) : undefined;
  return registered.map((p) => {
    const product = fromState(p);
    if (!p.defender || detail === undefined) return product;
    const { signaturesUpdatedAt, signatureAgeDays, tamperProtected } = detail;
    return {
      ...product,
      ...(signaturesUpdatedAt !== undefined && { signaturesUpdatedAt }),
      ...(signatureAgeDays !== undefined && { signatureAgeDays }),
      ...(tamperProtected !== undefined && { tamperProtected }),
    };
  });
}

async function fromDefender(host: HostProbe): Promise<AntivirusProduct[]> {
  const defender = await defenderStatus(host);
  if (defender.enabled) return [defender];
  const others = await services(host).catch(() => [] as AntivirusProduct[]);
  return [defender, ...others.filter((p) => p.name !== DEFENDER_PRODUCT)].slice(0, 32);
}

export const antivirus: Collector<'antivirus'> = {
  fact: 'antivirus',
  describe: 'Antivirus products: Security Center (root\\SecurityCenter2 AntiVirusProduct), else Defender (Get-MpComputerStatus), else antivirus services (Get-Service)',
  // Worst case: Security Center fails, Defender fails, then the services.
  timeoutMs: budgetOf(C.securityCenterAv, C.defenderStatus, C.avServices),
  async collect(host) {
    const products = await firstOf([
      { name: 'Security Center', read: () => fromSecurityCenter(host) },
      { name: 'Defender', read: () => fromDefender(host) },
      { name: 'antivirus services', read: () => services(host) },
    ]);
    return { products };
  },
};

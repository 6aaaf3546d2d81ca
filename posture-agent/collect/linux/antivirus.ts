import type { AntivirusProduct } from '../../../policy/posture/facts.js';
import { FactUnavailable, type Collector, type HostProbe } from '../contract.js';
import { LINUX_COMMANDS, LINUX_FILES } from './commands.js';
import { clamavProduct } from './parse/clamav.js';
import { DEFENDER_NAME, parseMdatpHealth } from './parse/mdatp-health.js';
import { processNames } from './process-names.js';

async function clamav(host: HostProbe): Promise<AntivirusProduct | undefined> {
  const names = await processNames(host);
  if (names === undefined) throw new FactUnavailable('/proc is not readable, so running antivirus cannot be told');
  const times = await Promise.all(LINUX_FILES.clamavSignatures.map((p) => host.mtime(p)));
  return clamavProduct(names, times);
}

async function defender(host: HostProbe): Promise<AntivirusProduct | undefined> {
  const r = await host.run(LINUX_COMMANDS.mdatpHealth);
  if (r.failure === 'not found') return undefined;
  // mdatp is installed but its daemon did not answer: the product is there and not running.
  if (r.failure !== undefined || r.code !== 0) return { name: DEFENDER_NAME, running: false, enabled: false };
  return parseMdatpHealth(r.stdout, host.now());
}

export const antivirusCollector: Collector<'antivirus'> = {
  fact: 'antivirus',
  describe: 'ClamAV (clamd / freshclam in /proc, newest daily.cvd / daily.cld mtime) and Microsoft Defender (mdatp health)',
  timeoutMs: 20_000,
  async collect(host) {
    // Both are asked: a host may run both, and the verifier judges each product.
    const products = await Promise.all([clamav(host), defender(host)]);
    // None found is a fact (no antivirus), not unknown.
    return { products: products.filter((p): p is AntivirusProduct => p !== undefined) };
  },
};

/**
 * Antivirus products registered with Windows Security Center (WMI `root\SecurityCenter2`
 * AntiVirusProduct; scripts.ts SECURITY_CENTER_AV_SCRIPT): every product on a client, Defender
 * and third-party alike, each with its productState.
 */
import { FactUnavailable } from '../../contract.js';
import { num, parsePsJson, recordsOf, text } from '../ps-json.js';
import { decodeProductState, type ProductState } from './product-state.js';

export interface SecurityCenterProduct {
  name: string;
  state: ProductState;
  /** Defender: its details (signature age, tamper protection) come from Get-MpComputerStatus. */
  defender: boolean;
}

export function parseSecurityCenter(stdout: string): SecurityCenterProduct[] {
  const products: SecurityCenterProduct[] = [];
  for (const p of recordsOf(parsePsJson(stdout, 'Security Center'), 'Security Center')) {
    const name = text(p.displayName);
    const raw = num(p.productState);
    // A product without a readable state tells nothing about protection: skipped, not guessed.
    if (!name || raw === undefined || !Number.isInteger(raw) || raw < 0 || raw > 0xffffffff) continue;
    const state = decodeProductState(raw);
    // Defender registers as "Windows Defender" with the pseudo-path windowsdefender://.
    const defender = text(p.pathToSignedProductExe)?.toLowerCase().startsWith('windowsdefender:') === true || (state.microsoft && /defender/i.test(name));
    products.push({ name, state, defender });
  }
  if (products.length > 32) throw new FactUnavailable(`Security Center: ${products.length} antivirus products`);
  return products;
}

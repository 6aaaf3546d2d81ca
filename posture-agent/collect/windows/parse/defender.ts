/**
 * Microsoft Defender's own status (`Get-MpComputerStatus`; scripts.ts DEFENDER_STATUS_SCRIPT):
 * the only source of signature age and tamper protection, and the only AV source on Windows
 * Server, which has no Security Center.
 */
import { FactUnavailable } from '../../contract.js';
import type { AntivirusProduct } from '../../../../policy/posture/facts.js';
import { bool, isRecord, num, parsePsJson, psDate, text } from '../ps-json.js';

export const DEFENDER_PRODUCT = 'Microsoft Defender Antivirus';

/**
 * AMRunningMode values in which Defender runs but does not protect: beside another antivirus
 * (passive, SxS passive) or not at all. "EDR Block Mode" is passive too, for real-time scanning.
 */
const NOT_PROTECTING = /^(passive mode|sxs passive mode|edr block mode|not running)$/i;

/** The schema's bound. Defender says 65535 (or more) for "never updated"; clamped, still ancient. */
const MAX_AGE_DAYS = 100_000;

export function parseDefenderStatus(stdout: string): AntivirusProduct {
  const j = parsePsJson(stdout, 'Get-MpComputerStatus');
  if (!isRecord(j)) throw new FactUnavailable('Get-MpComputerStatus: no status printed');
  const service = bool(j.AMServiceEnabled);
  const antivirus = bool(j.AntivirusEnabled);
  const realTime = bool(j.RealTimeProtectionEnabled);
  if (service === undefined || antivirus === undefined || realTime === undefined) {
    throw new FactUnavailable('Get-MpComputerStatus: AMServiceEnabled, AntivirusEnabled or RealTimeProtectionEnabled missing');
  }
  const mode = text(j.AMRunningMode, 64);
  // Enabled means protecting now: the engine on, real-time scanning on, and not passive.
  const product: AntivirusProduct = {
    name: DEFENDER_PRODUCT,
    running: service,
    enabled: service && antivirus && realTime && !(mode !== undefined && NOT_PROTECTING.test(mode)),
  };
  const updated = psDate(j.AntivirusSignatureLastUpdated);
  if (updated !== undefined) product.signaturesUpdatedAt = updated;
  const age = num(j.AntivirusSignatureAge);
  if (age !== undefined && age >= 0) product.signatureAgeDays = Math.min(age, MAX_AGE_DAYS);
  const tamper = bool(j.IsTamperProtected);
  if (tamper !== undefined) product.tamperProtected = tamper;
  return product;
}

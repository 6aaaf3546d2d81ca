/**
 * `ioreg -rd1 -c IOPlatformExpertDevice` → IOPlatformUUID, the hardware UUID that survives a
 * reinstall (the Mac's counterpart of /etc/machine-id and MachineGuid).
 */
import { FactUnavailable } from '../../contract.js';

const UUID = /"IOPlatformUUID"\s*=\s*"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"/;

export function parseIoregPlatformUuid(text: string): string {
  const m = UUID.exec(text);
  if (m === null) throw new FactUnavailable('ioreg printed no IOPlatformUUID');
  const uuid = (m[1] as string).toUpperCase();
  // Some virtual machines report zeros: one id for every such VM would merge their reports.
  if (/^[0-]+$/.test(uuid)) throw new FactUnavailable('IOPlatformUUID is all zeros');
  return uuid;
}

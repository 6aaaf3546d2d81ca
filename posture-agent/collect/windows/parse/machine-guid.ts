/**
 * The device id: `HKLM\SOFTWARE\Microsoft\Cryptography` MachineGuid (scripts.ts
 * MACHINE_GUID_SCRIPT), written at setup. Images cloned without sysprep share it; binding a report
 * to a device certificate, not to this id alone, is the server's defence against that.
 */
import { FactUnavailable } from '../../contract.js';

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

export function parseMachineGuid(stdout: string): string {
  const m = GUID.exec(stdout.replace(/^\uFEFF/, '').trim());
  if (m === null || m[1] === undefined) throw new FactUnavailable('MachineGuid: not a GUID');
  // Lower case, as Windows writes it and as /etc/machine-id-style ids compare.
  return m[1].toLowerCase();
}

/**
 * wpa_supplicant's eapol_test (Debian package eapoltest) as supplicant and NAS in one: it runs a
 * whole EAP conversation against a RADIUS server and checks the MS-MPPE keys of the Accept
 * against the MSK it derived itself. The real peer for EAP-TLS, TTLS, PEAP and MD5.
 */
import { existsSync } from 'node:fs';
import { runCommand } from './run-command.js';

export const EAPOL_TEST = '/usr/bin/eapol_test';

export function requireEapolTest(): void {
  if (!existsSync(EAPOL_TEST)) throw new Error(`${EAPOL_TEST} not found: install the Debian package eapoltest (apt-get install eapoltest)`);
}

export interface EapolTestRun {
  code: number | null;
  output: string;
  /** The last line says SUCCESS (every authentication got Access-Accept). */
  success: boolean;
  /** From "MPPE keys OK: n  mismatch: m". */
  mppeOk: number;
  mppeMismatch: number;
  /** Wall time of the run. */
  ms: number;
}

export async function eapolTest(o: { confPath: string; port: number; secret: string; host?: string; reauths?: number; timeoutSeconds?: number; mac?: string; noKeys?: boolean }): Promise<EapolTestRun> {
  requireEapolTest();
  const args = ['-c', o.confPath, '-a', o.host ?? '127.0.0.1', '-p', String(o.port), '-s', o.secret, '-r', String(o.reauths ?? 0), '-t', String(o.timeoutSeconds ?? 10)];
  if (o.mac !== undefined) args.push('-M', o.mac);
  if (o.noKeys) args.push('-n');
  const started = performance.now();
  const r = await runCommand(EAPOL_TEST, args, { timeoutMs: ((o.timeoutSeconds ?? 10) + 10) * 1000 });
  const output = r.stdout + r.stderr;
  const keys = /MPPE keys OK: (\d+)\s+mismatch: (\d+)/.exec(output);
  const lines = output.trim().split('\n');
  return {
    code: r.code,
    output,
    success: lines[lines.length - 1]?.trim() === 'SUCCESS',
    mppeOk: keys ? Number(keys[1]) : 0,
    mppeMismatch: keys ? Number(keys[2]) : 0,
    ms: performance.now() - started,
  };
}

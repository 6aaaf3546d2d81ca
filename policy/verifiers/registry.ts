/**
 * The built-in checks by id, and `runCheck`, the one way the rest of the server runs a check:
 * it turns anything a check throws into an `error` result, so no check can break an evaluation.
 */
import type { Check, CheckContext, CheckId, CheckParams, CheckResult } from './contract.js';
import { notJudged } from './evidence.js';
import { checkFailed } from './messages.js';
import { agentVersionCheck } from './agent-version.js';
import { antivirusCheck } from './antivirus.js';
import { diskEncryptionCheck } from './disk-encryption.js';
import { factoryDefaultPasswordCheck } from './factory-default-password.js';
import { firewallCheck } from './firewall.js';
import { ipForwardingCheck } from './ip-forwarding.js';
import { osVersionCheck } from './os-version.js';
import { packagesCheck } from './packages.js';
import { pendingUpdatesCheck } from './pending-updates.js';
import { postureStalenessCheck } from './posture-staleness.js';
import { secureBootCheck } from './secure-boot.js';

export const BUILTIN_CHECKS: { readonly [K in CheckId]: Check<K> } = {
  'os-version': osVersionCheck,
  'pending-updates': pendingUpdatesCheck,
  packages: packagesCheck,
  antivirus: antivirusCheck,
  firewall: firewallCheck,
  'disk-encryption': diskEncryptionCheck,
  'ip-forwarding': ipForwardingCheck,
  'factory-default-password': factoryDefaultPasswordCheck,
  'secure-boot': secureBootCheck,
  'agent-version': agentVersionCheck,
  'posture-staleness': postureStalenessCheck,
};

export function runCheck<K extends CheckId>(id: K, ctx: CheckContext, params: CheckParams[K]): CheckResult {
  try {
    const check = BUILTIN_CHECKS[id] as Check<K> | undefined;
    if (!check) return notJudged(id, 'error', checkFailed(String(id), 'no such check'), []);
    return check.evaluate(ctx, params ?? ({} as CheckParams[K]));
  } catch (err) {
    return notJudged(id, 'error', checkFailed(String(id), messageOf(err)), []);
  }
}

/** The message of whatever was thrown, without ever throwing itself. */
function messageOf(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unprintable error';
  }
}

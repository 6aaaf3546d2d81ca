import { describe, expect, test } from 'vitest';
import type { PostureFacts } from '../posture/facts.js';
import type { CheckId, CheckStatus } from './contract.js';
import { runCheck } from './registry.js';
import { contextOf, errorFact, expectWellFormed, ok, unknownFact } from './test-context.js';

type BooleanCheck = Extract<CheckId, 'ip-forwarding' | 'factory-default-password' | 'secure-boot'>;

describe('yes/no checks', () => {
  test.each<[BooleanCheck, PostureFacts, CheckStatus, string]>([
    ['ip-forwarding', { ipForwarding: ok(false) }, 'compliant', 'IP forwarding is off'],
    ['ip-forwarding', { ipForwarding: ok(true, undefined, 'nea-ietf') }, 'non-compliant-major', 'IP forwarding is on'],
    ['ip-forwarding', {}, 'unknown', 'no IP forwarding evidence reported'],
    ['ip-forwarding', { ipForwarding: unknownFact('sysctl not found') }, 'unknown', 'sysctl not found'],
    ['ip-forwarding', { ipForwarding: errorFact('permission denied') }, 'error', 'permission denied'],
    ['ip-forwarding', { ipForwarding: ok('0' as unknown as boolean) }, 'error', 'malformed IP forwarding evidence'],
    ['factory-default-password', { factoryDefaultPassword: ok(false) }, 'compliant', 'no factory default password in use'],
    ['factory-default-password', { factoryDefaultPassword: ok(true) }, 'non-compliant-major', 'a factory default password is in use'],
    ['factory-default-password', {}, 'unknown', 'no factory default password evidence reported'],
    ['factory-default-password', { factoryDefaultPassword: errorFact('not supported') }, 'error', 'not supported'],
    ['secure-boot', { secureBoot: ok(true) }, 'compliant', 'Secure Boot is on'],
    ['secure-boot', { secureBoot: ok(false) }, 'non-compliant-major', 'Secure Boot is off'],
    ['secure-boot', {}, 'unknown', 'no Secure Boot evidence reported'],
    ['secure-boot', { secureBoot: unknownFact('Confirm-SecureBootUEFI: Cmdlet not supported on this platform') }, 'unknown', 'not supported on this platform'],
    ['secure-boot', { secureBoot: errorFact('mokutil: EFI variables are not supported') }, 'error', 'EFI variables'],
    ['secure-boot', { secureBoot: ok(null as unknown as boolean) }, 'error', 'malformed Secure Boot evidence'],
  ])('%s: %j → %s', (id, facts, status, reason) => {
    const r = runCheck(id, contextOf(facts), {});
    expect(r.check).toBe(id);
    expect(r.status).toBe(status);
    expect(r.reason.en).toContain(reason);
    expectWellFormed(r);
    if (Object.keys(facts).length > 0) expect(r.evidence).toHaveLength(1);
  });
});

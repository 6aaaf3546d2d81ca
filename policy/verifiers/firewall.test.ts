import { describe, expect, test } from 'vitest';
import type { FirewallFact, PostureFacts } from '../posture/facts.js';
import type { CheckStatus } from './contract.js';
import { runCheck } from './registry.js';
import { contextOf, errorFact, expectWellFormed, ok, unknownFact } from './test-context.js';

const windows = (domain: boolean, priv: boolean, pub: boolean): PostureFacts => ({
  firewall: ok({ profiles: [{ name: 'Domain', enabled: domain }, { name: 'Private', enabled: priv }, { name: 'Public', enabled: pub }] }),
});

describe('firewall', () => {
  test.each<[string, PostureFacts, CheckStatus, string]>([
    ['Windows, every profile on', windows(true, true, true), 'compliant', 'firewall is on for: Domain, Private, Public'],
    ['Linux single default profile on', { firewall: ok({ profiles: [{ name: 'default', enabled: true }] }) }, 'compliant', 'default'],
    ['Windows with Public off', windows(true, true, false), 'non-compliant-major', 'firewall is off for: Public'],
    ['Windows with two profiles off', windows(false, true, false), 'non-compliant-major', 'firewall is off for: Domain, Public'],
    ['ufw inactive', { firewall: ok({ profiles: [{ name: 'default', enabled: false }] }) }, 'non-compliant-major', 'default'],
    ['zero profiles', { firewall: ok({ profiles: [] }) }, 'unknown', 'no firewall profiles reported'],
    ['no firewall fact', {}, 'unknown', 'no firewall evidence reported'],
    ['macOS 15 without the firewall plist', { firewall: unknownFact('com.apple.alf.plist not found') }, 'unknown', 'com.apple.alf.plist not found'],
    ['collector failed', { firewall: errorFact('nft: permission denied') }, 'error', 'permission denied'],
    ['malformed fact', { firewall: ok({ profiles: 'on' } as unknown as FirewallFact) }, 'error', 'malformed firewall evidence'],
    ['profile without a boolean counts as off', { firewall: ok({ profiles: [{ name: 'Public', enabled: 'yes' }] } as unknown as FirewallFact) }, 'non-compliant-major', 'Public'],
  ])('%s', (_name, facts, status, reason) => {
    const r = runCheck('firewall', contextOf(facts), {});
    expect(r.status).toBe(status);
    expect(r.reason.en).toContain(reason);
    expectWellFormed(r);
  });

  test('names the disabled profile in Japanese too', () => {
    const r = runCheck('firewall', contextOf(windows(true, true, false)), {});
    expect(r.reason.ja).toBe('次のプロファイルでファイアウォールが無効になっています: Public');
    expect(r.remediation[0]).toEqual({
      en: 'Turn on the firewall for: Public.',
      ja: '次のプロファイルでファイアウォールを有効にしてください: Public',
    });
  });
});

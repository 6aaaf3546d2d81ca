import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { buildRuleSet, checkRuleSet, MAX_REMEDIATION_RULES, type Resolve } from './rule-set.js';

const DNS: Record<string, string[]> = {
  'kenneki.example': ['10.0.0.10', '2001:DB8::10'],
  'updates.example': ['10.2.0.1', '10.2.0.2', 'not-an-ip'],
};
const resolve: Resolve = async (name) => {
  const found = DNS[name];
  if (found === undefined) throw new Error(`ENOTFOUND ${name}`);
  return found;
};
const SERVERS = [{ host: 'kenneki.example', port: 271 }];

describe('buildRuleSet', () => {
  test('isolate: names resolved, addresses canonical, entries kept per protocol/ports', async () => {
    const b = await buildRuleSet(
      {
        verdict: 'isolate',
        allow: [
          { host: '10.1.0.9/24', protocol: 'tcp', ports: [8443, 443, 443] },
          { host: 'updates.example', ports: [80] },
          { host: '2001:db8:1::/48' },
        ],
      },
      SERVERS,
      ['10.0.0.53', '10.0.0.53', '[bad]'],
      resolve,
    );
    expect(b.ruleSet).toEqual({
      mode: 'isolate',
      server: [
        { address: '10.0.0.10', port: 271, protocol: 'tcp' },
        { address: '2001:db8::10', port: 271, protocol: 'tcp' },
      ],
      dns: ['10.0.0.53'],
      dhcp: true,
      remediation: [
        { address: '10.1.0.0/24', protocol: 'tcp', ports: [443, 8443] },
        { address: '10.2.0.1', protocol: 'any', ports: [80] },
        { address: '10.2.0.2', protocol: 'any', ports: [80] },
        { address: '2001:db8:1::/48', protocol: 'any' },
      ],
    });
    expect(b.skipped).toEqual([{ kind: 'dns', value: '[bad]', reason: 'is not an IP address or CIDR prefix' }]);
    expect(b.serverFallback).toBeUndefined();
  });

  test.each([
    [{ host: 'nowhere.example' }, 'did not resolve: ENOTFOUND nowhere.example'],
    [{ host: '10.0.0.0/0' }, '/0 prefix'],
    [{ host: '10.0.0.1/40' }, 'prefix length'],
    [{ host: 'bad..name' }, 'not an IP address'],
    [{ host: '10.0.0.1', ports: [0] }, 'ports must be integers'],
    [{ host: '10.0.0.1', ports: [] }, 'ports must be integers'],
    [{ host: '10.0.0.1', protocol: 'icmp' }, 'unknown protocol'],
  ])('remediation %j is skipped: %s', async (entry, reason) => {
    const b = await buildRuleSet({ verdict: 'isolate', allow: [entry as never] }, SERVERS, [], resolve);
    expect(b.ruleSet.remediation).toEqual([]);
    expect(b.skipped).toHaveLength(1);
    expect(b.skipped[0]?.reason).toContain(reason);
  });

  test('a resolver that never answers is cut off by the timeout', async () => {
    const b = await buildRuleSet({ verdict: 'isolate', allow: [{ host: 'slow.example' }] }, [{ host: '10.0.0.10', port: 271 }], [], () => new Promise(() => {}), { resolveTimeoutMs: 20 });
    expect(b.skipped[0]?.reason).toContain('timed out after 20 ms');
  });

  test('no usable server: the last known server addresses', async () => {
    const b = await buildRuleSet({ verdict: 'isolate', allow: [] }, [{ host: 'gone.example', port: 2710 }], [], resolve, {
      knownServers: [{ address: '10.0.0.10', port: 2710, protocol: 'tcp' }],
    });
    expect(b.serverFallback).toBe('known');
    expect(b.ruleSet.server).toEqual([{ address: '10.0.0.10', port: 2710, protocol: 'tcp' }]);
    expect(b.skipped[0]).toMatchObject({ kind: 'server', value: 'gone.example:2710' });
  });

  test.each([
    [[{ host: 'gone.example', port: 2710 }], 2710],
    [[{ host: '10.0.0.10', port: 0 }], 271],
    [[], 271],
  ])('no usable server and none known: the port on any address (%j)', async (servers, port) => {
    const b = await buildRuleSet({ verdict: 'deny', allow: [] }, servers, [], resolve);
    expect(b.serverFallback).toBe('any-address');
    expect(b.ruleSet.server).toEqual([
      { address: '0.0.0.0/0', port, protocol: 'tcp' },
      { address: '::/0', port, protocol: 'tcp' },
    ]);
    expect(b.ruleSet.mode).toBe('isolate');
  });

  test.each([
    ['allow', 'open'],
    ['isolate', 'isolate'],
    ['deny', 'isolate'],
    ['bogus', 'isolate'],
  ])('verdict %s → %s', async (verdict, mode) => {
    const b = await buildRuleSet({ verdict: verdict as never, allow: [{ host: '10.9.0.1' }] }, SERVERS, [], resolve);
    expect(b.ruleSet.mode).toBe(mode);
    expect(b.ruleSet.remediation).toHaveLength(mode === 'open' ? 0 : 1);
  });

  test(`remediation rules are capped at ${MAX_REMEDIATION_RULES}`, async () => {
    const allow = Array.from({ length: MAX_REMEDIATION_RULES + 3 }, (_, i) => ({ host: `10.8.${i >> 8}.${i & 255}` }));
    const b = await buildRuleSet({ verdict: 'isolate', allow }, SERVERS, [], resolve);
    expect(b.ruleSet.remediation).toHaveLength(MAX_REMEDIATION_RULES);
    expect(b.skipped).toHaveLength(3);
  });

  test('junk in, never a throw, never without the server or DHCP', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.anything(), fc.anything(), async (allow, servers, resolvers) => {
        const b = await buildRuleSet({ verdict: 'isolate', allow: allow as never }, servers as never, resolvers as never, async () => {
          throw new Error('no');
        });
        return b.ruleSet.server.length > 0 && b.ruleSet.dhcp && checkRuleSet(b.ruleSet).hasOwnProperty('ruleSet');
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkRuleSet (state read back from disk)', () => {
  const good = { mode: 'isolate', server: [{ address: '10.0.0.10', port: 271, protocol: 'tcp' }], dns: ['10.0.0.53'], dhcp: true, remediation: [{ address: '10.1.0.0/24', protocol: 'tcp', ports: [443] }] };

  test('a rule set it wrote comes back equal', () => {
    expect(checkRuleSet(good)).toEqual({ ruleSet: good });
  });

  test.each([
    ['script in an address', { ...good, remediation: [{ address: '10.0.0.1 } ; flush ruleset ; {', protocol: 'any' }] }],
    ['script in a resolver', { ...good, dns: ['10.0.0.53; reboot'] }],
    ['no server while isolating', { ...good, server: [] }],
    ['a server prefix', { ...good, server: [{ address: '10.0.0.0/8', port: 271, protocol: 'tcp' }] }],
    ['a bad port', { ...good, remediation: [{ address: '10.0.0.1', protocol: 'tcp', ports: ['443'] }] }],
    ['a bad mode', { ...good, mode: 'off' }],
    ['not an object', 'isolate'],
  ])('refused: %s', (_, value) => {
    expect(checkRuleSet(value)).toHaveProperty('problem');
  });
});

import { describe, expect, test } from 'vitest';
import { quarantineAllowFor, quarantineAllowProblems, quarantineHostProblem, remediationHostEntry } from './quarantine-allow.js';

describe('quarantineHostProblem', () => {
  test.each(['10.0.0.1', '2001:db8::1', '::ffff:10.0.0.1', '10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', 'updates.example.com', 'updates', 'example.com.', 'xn--bcher-kva.example', 'a-b.c1.example'])(
    '%s is accepted',
    (host) => expect(quarantineHostProblem(host)).toBeUndefined(),
  );

  test.each([
    ['not a host!', 'must be an IP address, a CIDR prefix or a DNS name'],
    ['-bad.example', 'must be an IP address, a CIDR prefix or a DNS name'],
    ['a..example', 'must be an IP address, a CIDR prefix or a DNS name'],
    ['10.1.2', 'must be an IP address, a CIDR prefix or a DNS name'],
    ['256.1.1.1', 'must be an IP address, a CIDR prefix or a DNS name'],
    [`${'a'.repeat(64)}.example`, 'must be an IP address, a CIDR prefix or a DNS name'],
    ['10.0.0.0/33', 'must have a prefix length of 1..32'],
    ['2001:db8::/129', 'must have a prefix length of 1..128'],
    ['10.0.0.0/+8', 'must have a prefix length of 1..32'],
    ['0.0.0.0/0', 'must not be a /0 prefix (it would allow every address)'],
    ['host.example/24', 'must be an IP address before the "/" of a CIDR prefix'],
    ['fe80::1%eth0', 'must not carry an IPv6 zone id'],
  ])('%s → %s', (host, problem) => expect(quarantineHostProblem(host)).toBe(problem));

  test('problems are reported per entry with their index', () => {
    expect(quarantineAllowProblems([{ host: 'ok.example' }, { host: 'bad host' }])).toEqual([{ path: '[1].host', reason: 'must be an IP address, a CIDR prefix or a DNS name' }]);
  });
});

describe('remediation page host', () => {
  test.each([
    ['https://fix.example.com/page', { host: 'fix.example.com', protocol: 'tcp', ports: [443] }],
    ['http://fix.example.com/page', { host: 'fix.example.com', protocol: 'tcp', ports: [80] }],
    ['https://[2001:db8::5]:8443/', { host: '2001:db8::5', protocol: 'tcp', ports: [8443] }],
    ['ftp://fix.example.com/', undefined],
    ['not a url', undefined],
  ])('%s → %j', (url, entry) => expect(remediationHostEntry(url)).toEqual(entry));

  test('added once, after the policy entries', () => {
    const page = { host: 'fix.example.com', protocol: 'tcp' as const, ports: [443] };
    expect(quarantineAllowFor({ remediationUrl: 'https://fix.example.com/' })).toEqual([page]);
    expect(quarantineAllowFor({ quarantineAllow: [page], remediationUrl: 'https://fix.example.com/x' })).toEqual([page]);
    expect(quarantineAllowFor({})).toEqual([]);
  });
});

import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseFirewalldState, parseIptablesInput, parseUfwStatus } from './firewall-text.js';
import { parseNftRuleset } from './nft-ruleset.js';

describe('firewall managers', () => {
  test.each([
    ['ufw active', () => parseUfwStatus(fixture('ufw-status.active.txt')), true],
    ['ufw inactive', () => parseUfwStatus(fixture('ufw-status.inactive.txt')), false],
    ['firewalld running', () => parseFirewalldState('running\n'), true],
    ['firewalld not running', () => parseFirewalldState('not running\n'), false],
    ['iptables RHEL 7: final unconditional REJECT', () => parseIptablesInput(fixture('iptables-input.rhel7.txt')), true],
    ['iptables policy DROP', () => parseIptablesInput('-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n'), true],
    ['iptables wide open', () => parseIptablesInput(fixture('iptables-input.open.txt')), false],
    ['iptables last rule drops only telnet', () => parseIptablesInput('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 23 -j DROP\n'), false],
  ])('%s', (_name, parse, expected) => {
    expect(parse()).toBe(expected);
  });

  test.each([
    ['ufw as non-root', () => parseUfwStatus('ERROR: You need to be root to run this script\n')],
    ['firewall-cmd odd answer', () => parseFirewalldState('FirewallD is not running\nsomething\n')],
    ['iptables without a policy line', () => parseIptablesInput('iptables: No chain/target/match by that name.\n')],
  ])('%s is unavailable', (_name, parse) => {
    expect(parse).toThrow(FactUnavailable);
  });
});

describe('parseNftRuleset', () => {
  test.each([
    ['inet filter input with policy drop', 'nft-ruleset.policy-drop.json', true],
    ['firewalld: policy accept, ends with an unconditional reject', 'nft-ruleset.firewalld-reject.json', true],
    ['iptables-nft INPUT accepting, dropping only port 23', 'nft-ruleset.accept.json', false],
    ['empty ruleset', 'nft-ruleset.empty.json', false],
  ])('%s', (_name, file, expected) => {
    expect(parseNftRuleset(fixture(file))).toBe(expected);
  });

  test('not JSON, or JSON without "nftables", is unavailable', () => {
    expect(() => parseNftRuleset('Error: Could not process rule: Operation not permitted\n')).toThrow(FactUnavailable);
    expect(() => parseNftRuleset('{"rules": []}')).toThrow(FactUnavailable);
  });
});

import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { schemaErrors } from '../fact-schema.test-helper.js';
import { fixture } from '../fixtures.test-helper.js';
import { parseFirewall } from './firewall.js';

const profiles = (domain: boolean, priv: boolean, pub: boolean) => ({
  profiles: [
    { name: 'Domain', enabled: domain },
    { name: 'Private', enabled: priv },
    { name: 'Public', enabled: pub },
  ],
});

describe('parseFirewall', () => {
  test.each([
    ['firewall/all-on.json', profiles(true, true, true)],
    ['firewall/public-off.json', profiles(true, true, false)],
    // GpoBoolean as numbers, when the enum was not formatted.
    ['firewall/ps51-numeric.json', profiles(true, true, false)],
  ])('%s', (path, expected) => {
    const fact = parseFirewall(fixture(path));
    expect(fact).toEqual(expected);
    expect(schemaErrors('firewall', fact)).toEqual([]);
  });

  test('a missing profile is unavailable, never "every reported profile is on"', () => {
    expect(() => parseFirewall(fixture('firewall/only-domain.json'))).toThrow(FactUnavailable);
    expect(() => parseFirewall(fixture('firewall/only-domain.json'))).toThrow(/Private, Public not reported/);
  });

  test('NotConfigured is not "on"', () => {
    const out = '[{"Name":"Domain","Enabled":"NotConfigured"},{"Name":"Private","Enabled":"True"},{"Name":"Public","Enabled":"True"}]';
    expect(() => parseFirewall(out)).toThrow(/profile Domain Enabled is "NotConfigured"/);
  });
});

import { describe, expect, test } from 'vitest';
import type { FactKey } from '../../posture/facts.js';
import { IETF_ATTR, KENNEKI_ATTR, KENNEKI_VENDOR_ID, VENDOR } from '../pa/constants.js';
import { encodeFactUnavailable, encodeKennekiFact } from '../pa/kenneki-attributes.js';
import { kennekiImv } from './kenneki-imv.js';
import { osImv } from './os-imv.js';
import { defaultImvs } from './registry.js';

const V = KENNEKI_VENDOR_ID;
const AT = '2024-05-01T00:00:00.000Z';

describe('kennekiImv', () => {
  const imv = kennekiImv(V);

  test('subscribes to the Kenneki posture component under the configured vendor', () => {
    expect(imv.subscriptions).toEqual([{ paVendor: V, paSubtype: 1 }]);
    expect(kennekiImv(0xabcd).subscriptions).toEqual([{ paVendor: 0xabcd, paSubtype: 1 }]);
    expect(defaultImvs(0xabcd).map((i) => i.name)).toEqual(['os', 'kenneki']);
  });

  test.each([
    [{ vendor: V, type: KENNEKI_ATTR.ANTIVIRUS }, true],
    [{ vendor: V, type: KENNEKI_ATTR.AGENT }, true],
    [{ vendor: V, type: KENNEKI_ATTR.FACT_UNAVAILABLE }, true],
    // Quarantine rules go server → agent; a client sending them is not sending posture.
    [{ vendor: V, type: KENNEKI_ATTR.QUARANTINE_RULES }, false],
    [{ vendor: V + 1, type: KENNEKI_ATTR.ANTIVIRUS }, false],
    [{ vendor: VENDOR.IETF, type: IETF_ATTR.PRODUCT_INFORMATION }, false],
  ])('understands %j: %s', (a, yes) => expect(imv.understands(a)).toBe(yes));

  test('maps facts stamped kenneki-agent; the first copy wins; others are ignored with a reason', () => {
    const m = imv.map(
      [
        encodeKennekiFact(V, 'secureBoot', true),
        encodeKennekiFact(V, 'secureBoot', false),
        encodeKennekiFact(V, 'agent', { name: 'kenneki-agent', version: '1.2.3' }),
        { noskip: false, vendor: V, type: 999, value: new Uint8Array(0) },
      ],
      AT,
    );
    expect(m.facts).toEqual({
      secureBoot: { status: 'ok', value: true, collectedAt: AT, source: 'kenneki-agent' },
      agent: { status: 'ok', value: { name: 'kenneki-agent', version: '1.2.3' }, collectedAt: AT, source: 'kenneki-agent' },
    });
    expect(m.ignored.map((i) => i.type)).toEqual([KENNEKI_ATTR.SECURE_BOOT, 999]);
  });

  test('a fact the agent could not collect becomes unknown with its reason, any fact key; a value sent alongside wins', () => {
    const { facts, ignored } = imv.map(
      [
        encodeFactUnavailable(V, { fact: 'firewall', reason: 'ufw: timed out after 10000 ms' }),
        encodeFactUnavailable(V, { fact: 'packages', reason: 'dpkg-query: not found' }),
        encodeFactUnavailable(V, { fact: 'antivirus', reason: 'late notice' }),
        encodeKennekiFact(V, 'antivirus', { products: [] }),
      ],
      AT,
    );
    expect(ignored).toEqual([]);
    expect(facts.firewall).toEqual({ status: 'unknown', reason: 'the agent could not collect it: ufw: timed out after 10000 ms', collectedAt: AT, source: 'kenneki-agent' });
    expect(facts.packages).toMatchObject({ status: 'unknown', reason: 'the agent could not collect it: dpkg-query: not found' });
    expect(facts.antivirus).toMatchObject({ status: 'ok', value: { products: [] } });
  });

  test('requests only the needed vendor facts not yet ok, in table order', () => {
    const needed = new Set<FactKey>(['os', 'packages', 'secureBoot', 'antivirus', 'firewall']);
    const received = { firewall: { status: 'ok' as const, value: { profiles: [] }, collectedAt: AT, source: 'kenneki-agent' as const } };
    expect(imv.requests(needed, received)).toEqual([
      { vendor: V, type: KENNEKI_ATTR.ANTIVIRUS },
      { vendor: V, type: KENNEKI_ATTR.SECURE_BOOT },
    ]);
  });
});

describe('osImv', () => {
  test('understands the IETF types the codec knows and the ITA-HSR Device ID, nothing else', () => {
    expect(osImv.understands({ vendor: VENDOR.IETF, type: IETF_ATTR.INSTALLED_PACKAGES })).toBe(true);
    expect(osImv.understands({ vendor: VENDOR.IETF, type: IETF_ATTR.TESTING })).toBe(false);
    expect(osImv.understands({ vendor: VENDOR.IETF, type: 13 })).toBe(false);
    expect(osImv.understands({ vendor: VENDOR.ITA_HSR, type: 8 })).toBe(true);
    expect(osImv.understands({ vendor: V, type: KENNEKI_ATTR.ANTIVIRUS })).toBe(false);
  });

  test('asks only for facts a standard client can supply', () => {
    expect(osImv.requests(new Set<FactKey>(['packages', 'antivirus']), {})).toEqual([{ vendor: 0, type: IETF_ATTR.INSTALLED_PACKAGES }]);
  });
});

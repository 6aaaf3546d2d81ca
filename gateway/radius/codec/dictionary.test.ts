import { describe, expect, it, test } from 'vitest';
import { ATTRIBUTES, VENDOR, attr, attributeByCode, attributeByName, valueByName, valueName } from './dictionary.js';

describe('dictionary', () => {
  test.each<[string, number, number, string, boolean, string]>([
    ['User-Name', 0, 1, 'text', false, 'none'],
    ['User-Password', 0, 2, 'octets', false, 'user-password'],
    ['NAS-IPv6-Address', 0, 95, 'ipv6addr', false, 'none'],
    ['Event-Timestamp', 0, 55, 'date', false, 'none'],
    ['Tunnel-Type', 0, 64, 'integer', true, 'none'],
    ['Tunnel-Password', 0, 69, 'octets', true, 'tunnel-password'],
    ['Tunnel-Private-Group-Id', 0, 81, 'text', true, 'none'],
    ['Message-Authenticator', 0, 80, 'octets', false, 'none'],
    ['Error-Cause', 0, 101, 'integer', false, 'none'],
    ['Cisco-AVPair', VENDOR.CISCO, 1, 'text', false, 'none'],
    ['MS-MPPE-Send-Key', VENDOR.MICROSOFT, 16, 'octets', false, 'tunnel-password'],
    ['MS-MPPE-Recv-Key', VENDOR.MICROSOFT, 17, 'octets', false, 'tunnel-password'],
    ['Aruba-User-Role', VENDOR.ARUBA, 1, 'text', false, 'none'],
    ['Airespace-ACL-Name', VENDOR.AIRESPACE, 6, 'text', false, 'none'],
  ])('%s is (%i, %i) %s tagged=%s encrypt=%s, both ways', (name, vendor, type, valueType, tagged, encrypt) => {
    const d = attributeByName(name)!;
    expect(d).toMatchObject({ name, vendor, type, valueType, tagged, encrypt });
    expect(attributeByCode(type, vendor)).toBe(d);
  });

  it('lookups are case-insensitive and miss cleanly', () => {
    expect(attributeByName('calling-station-id')?.type).toBe(31);
    expect(attributeByName('No-Such-Attribute')).toBeUndefined();
    expect(attributeByCode(1, 12345)).toBeUndefined();
    expect(() => attr('No-Such-Attribute')).toThrow(RangeError);
  });

  it('named values both ways', () => {
    expect(valueByName(attr('Service-Type'), 'Call-Check')).toBe(10);
    expect(valueName(attr('Tunnel-Type'), 13)).toBe('VLAN');
    expect(valueName(attr('Tunnel-Medium-Type'), 6)).toBe('IEEE-802');
    expect(valueName(attr('User-Name'), 1)).toBeUndefined();
  });

  it('entries are frozen data with in-range codes', () => {
    for (const d of ATTRIBUTES) {
      expect(Object.isFrozen(d)).toBe(true);
      expect(d.type).toBeGreaterThanOrEqual(1);
      expect(d.type).toBeLessThanOrEqual(255);
      // RFC 2868 tags only make sense on integers and strings.
      if (d.tagged) expect(['integer', 'text', 'octets']).toContain(d.valueType);
    }
  });
});

import { describe, expect, test } from 'vitest';
import { VENDOR, attr, getAllRaw, getInteger, getIpv4, getIpv6, getText, type RadiusAttribute } from '../codec/index.js';
import { identityAttributes, requestAttributes, stepAttributes } from './request.js';
import type { DynamicAuthStep } from './types.js';

const view = (attributes: RadiusAttribute[]) => ({ attributes });
const step = (attributes: DynamicAuthStep['attributes']): DynamicAuthStep => ({ name: 'test', request: 'coa', attributes });

describe('step attributes are data resolved through the dictionary', () => {
  test('Cisco-AVPair becomes a Cisco (9) Vendor-Specific sub-attribute 1', () => {
    const [vsa] = stepAttributes(step([{ name: 'Cisco-AVPair', value: 'subscriber:command=reauthenticate' }]));
    expect(vsa!.type).toBe(26);
    expect(vsa!.value.subarray(0, 4)).toEqual(Buffer.from([0, 0, 0, VENDOR.CISCO]));
    expect(getText(view([vsa!]), attr('Cisco-AVPair'))).toBe('subscriber:command=reauthenticate');
  });

  test.each([
    ['Filter-Id', 'quarantine.in', (a: RadiusAttribute[]) => getText(view(a), attr('Filter-Id')), 'quarantine.in'],
    ['Aruba-User-Role', 'quarantine', (a: RadiusAttribute[]) => getText(view(a), attr('Aruba-User-Role')), 'quarantine'],
    ['Session-Timeout', 60, (a: RadiusAttribute[]) => getInteger(view(a), attr('Session-Timeout')), 60],
    ['Service-Type', 'Authorize-Only', (a: RadiusAttribute[]) => getInteger(view(a), attr('Service-Type')), 17],
    ['Service-Type', '17', (a: RadiusAttribute[]) => getInteger(view(a), attr('Service-Type')), 17],
    ['Login-IP-Host', '192.0.2.1', (a: RadiusAttribute[]) => getIpv4(view(a), attr('Login-IP-Host')), '192.0.2.1'],
    ['State', '0xdeadbeef', (a: RadiusAttribute[]) => Buffer.from(getAllRaw(view(a), attr('State'))[0]!).toString('hex'), 'deadbeef'],
  ] as const)('%s = %s', (name, value, read, expected) => {
    expect(read(stepAttributes(step([{ name, value }])))).toBe(expected);
  });

  test.each([
    ['Not-An-Attribute', 'x', /unknown RADIUS attribute/],
    ['Message-Authenticator', '0x00', /placed by the client/],
    ['Event-Timestamp', 0, /placed by the client/],
    ['Tunnel-Private-Group-Id', '110', /tagged or encrypted/],
    ['User-Password', 'x', /tagged or encrypted/],
    ['Service-Type', 'No-Such-Service', /neither a number nor a named value/],
    ['State', 'not-hex', /0x-prefixed hex/],
    ['Filter-Id', 'x'.repeat(254), /limit is 253/],
  ] as const)('%s = %s is refused, naming the step', (name, value, error) => {
    expect(() => stepAttributes(step([{ name, value }]))).toThrow(error);
    expect(() => stepAttributes(step([{ name, value }]))).toThrow(/^step test: /);
  });
});

describe('session identity', () => {
  test('only the fields present are sent; IPv6 addresses use the IPv6 attributes', () => {
    const a = view(identityAttributes({ userName: 'alice', nasIpAddress: '2001:db8::1', framedIpAddress: '2001:db8::2' }));
    expect(getText(a, attr('User-Name'))).toBe('alice');
    expect(getIpv6(a, attr('NAS-IPv6-Address'))).toBe('2001:db8::1');
    expect(getIpv6(a, attr('Framed-IPv6-Address'))).toBe('2001:db8::2');
    expect(a.attributes).toHaveLength(3);
  });

  test('an identity that names no session is refused (a NAS might read it as every session)', () => {
    expect(() => identityAttributes({ nasIpAddress: '192.0.2.1', nasIdentifier: 'sw1' })).toThrow(/names no session/);
    expect(() => identityAttributes({ nasPort: 1 })).not.toThrow();
  });

  test('Event-Timestamp leads, in seconds', () => {
    const [ts] = requestAttributes({ name: 'd', request: 'disconnect' }, { userName: 'u' }, new Date(1_700_000_000_500));
    expect(ts!.type).toBe(attr('Event-Timestamp').type);
    expect(Buffer.from(ts!.value).readUInt32BE(0)).toBe(1_700_000_000);
  });
});

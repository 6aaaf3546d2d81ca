/** The RADIUS server's small parts: client matching, the duplicate cache, placement and MAB checks. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cidrContains, ipBytes, parseCidr } from '../../../policy/util/cidr.js';
import { textAttribute } from '../codec/attributes.js';
import { attr } from '../codec/dictionary.js';
import { hideUserPassword } from '../codec/hiding.js';
import { RADIUS_CODE, type RadiusPacket } from '../codec/packet.js';
import { NAS_PROFILES } from '../nas-profiles.js';
import { DuplicateCache, requestSlot } from './duplicate-cache.js';
import { checkMab } from './mab.js';
import { NasClientTable, type NasClient } from './nas-clients.js';
import { place } from './placement.js';

const client = (name: string, over: Partial<NasClient> = {}): NasClient => ({
  name,
  tenantId: 'default',
  secret: Buffer.from('a-long-test-secret-1'),
  profile: NAS_PROFILES['generic']!,
  legacyNoMessageAuthenticator: false,
  coaPort: 3799,
  vlans: { production: '10', quarantine: '99' },
  ...over,
});

describe('CIDR and NAS client matching', () => {
  test('host bits, prefixes and IPv4-mapped addresses', () => {
    expect(parseCidr('10.0.0.1/24')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('2001:db8::/32')).toMatchObject({ family: 6, prefix: 32 });
    expect(cidrContains(parseCidr('10.1.0.0/16')!, ipBytes('10.1.200.3')!)).toBe(true);
    expect(cidrContains(parseCidr('10.1.0.0/16')!, ipBytes('10.2.0.3')!)).toBe(false);
    expect(ipBytes('::ffff:192.0.2.1')).toEqual(Buffer.from([192, 0, 2, 1]));
  });

  test('the most specific block wins; exact addresses first; unknown sources match nothing', () => {
    const t = new NasClientTable([
      { cidr: parseCidr('10.0.0.0/8')!, client: client('wide') },
      { cidr: parseCidr('10.1.0.0/16')!, client: client('narrow') },
      { cidr: parseCidr('10.1.2.3')!, client: client('exact') },
      { cidr: parseCidr('2001:db8::/48')!, client: client('v6') },
    ]);
    expect(t.match('10.9.9.9')?.name).toBe('wide');
    expect(t.match('10.1.9.9')?.name).toBe('narrow');
    expect(t.match('10.1.2.3')?.name).toBe('exact');
    expect(t.match('::ffff:10.1.2.3')?.name).toBe('exact');
    expect(t.match('2001:db8:0:1::5')?.name).toBe('v6');
    expect(t.match('192.0.2.1')).toBeUndefined();
    expect(t.match('not-an-ip')).toBeUndefined();
    expect(t.byName('narrow')?.name).toBe('narrow');
  });

  test('matching never throws on any string', () => {
    const t = new NasClientTable([{ cidr: parseCidr('10.0.0.0/8')!, client: client('wide') }]);
    fc.assert(fc.property(fc.string(), (s) => void t.match(s)));
  });
});

describe('duplicate cache (RFC 5080)', () => {
  test('in progress, then answered; a reused Identifier with a new authenticator is new; entries age out', () => {
    let now = 0;
    const c = new DuplicateCache(1000, () => now);
    const a = Buffer.alloc(16, 1);
    const slot = requestSlot(40000, 7);
    expect(c.check('10.0.0.2', slot, a)).toEqual({ kind: 'new' });
    expect(c.check('10.0.0.2', slot, a)).toEqual({ kind: 'in-progress' });
    // Another NAS, or another port or Identifier of the same NAS, is another request.
    expect(c.check('10.0.0.3', slot, a)).toEqual({ kind: 'new' });
    expect(c.check('10.0.0.2', requestSlot(40000, 8), a)).toEqual({ kind: 'new' });
    expect(c.check('10.0.0.2', requestSlot(40001, 7), a)).toEqual({ kind: 'new' });
    c.answered('10.0.0.2', slot, a, Buffer.from('answer'));
    expect(c.check('10.0.0.2', slot, a)).toMatchObject({ kind: 'answered' });
    expect(c.check('10.0.0.2', slot, Buffer.alloc(16, 2))).toEqual({ kind: 'new' });
    now = 2500;
    expect(c.check('10.0.0.2', slot, a)).toEqual({ kind: 'new' });
    c.abandon('10.0.0.2', slot, a);
    expect(c.check('10.0.0.2', slot, a)).toEqual({ kind: 'new' });
  });

  test('bounded under a flood of distinct requests', () => {
    const c = new DuplicateCache(60_000, () => 0, 100);
    for (let i = 0; i < 1000; i++) c.check(`10.0.${i >> 8}.${i & 0xff}`, requestSlot(1812, i & 0xff), Buffer.alloc(16));
    expect(c.size).toBeLessThanOrEqual(200);
  });
});

describe('placement', () => {
  const settings = { unknownMac: 'quarantine' as const, roles: { quarantine: 'q-acl' }, quarantineSessionTimeoutSeconds: 300 };

  test('allow: the role VLAN over the production VLAN; isolate: quarantine VLAN and role; deny: reject', () => {
    expect(place({ endpointId: 'e', verdict: 'allow', vlan: '30', role: 'staff' }, client('c'), settings)).toMatchObject({ kind: 'production', accept: true, vlan: '30', role: 'staff' });
    expect(place({ endpointId: 'e', verdict: 'allow' }, client('c'), settings)).toMatchObject({ kind: 'production', vlan: '10' });
    expect(place({ endpointId: 'e', verdict: 'isolate' }, client('c'), settings)).toMatchObject({ kind: 'quarantine', vlan: '99', role: 'q-acl' });
    expect(place({ endpointId: 'e', verdict: 'deny' }, client('c'), settings)).toMatchObject({ kind: 'reject', accept: false });
    expect(place({}, client('c'), { ...settings, unknownMac: 'reject' })).toMatchObject({ kind: 'reject' });
  });

  test('fails closed: a quarantine placement with nothing to place it by is a reject, not the port default', () => {
    const bare = client('c', { vlans: {} });
    expect(place({ endpointId: 'e', verdict: 'isolate' }, bare, { ...settings, roles: {} })).toMatchObject({ kind: 'reject' });
    expect(place({}, bare, { ...settings, roles: {} })).toMatchObject({ kind: 'reject' });
    // A VPN profile sends no VLANs: only a role can quarantine there.
    const vpn = client('vpn', { profile: NAS_PROFILES['strongswan']! });
    expect(place({ endpointId: 'e', verdict: 'isolate' }, vpn, { ...settings, roles: {} })).toMatchObject({ kind: 'reject' });
  });
});

describe('MAB checks', () => {
  const secret = Buffer.from('a-long-test-secret-1');
  const auth = Buffer.alloc(16, 9);
  const packet = (attrs: RadiusPacket['attributes']): RadiusPacket => ({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: 1, authenticator: auth, attributes: attrs });
  const pw = (s: string) => ({ type: attr('User-Password').type, value: hideUserPassword(s, secret, auth) });

  test('password equal to the MAC in another spelling is MAB; another password, or another secret, is not', () => {
    expect(checkMab(packet([textAttribute(attr('User-Name'), 'AA-BB-CC-DD-EE-FF'), pw('aabbccddeeff')]), secret)).toEqual({ kind: 'mab', mac: 'aa:bb:cc:dd:ee:ff', proven: true });
    expect(checkMab(packet([textAttribute(attr('User-Name'), 'aabbccddeeff'), pw('letmein')]), secret).kind).toBe('bad-mab');
    expect(checkMab(packet([textAttribute(attr('User-Name'), 'aabbccddeeff'), pw('aabbccddeeff')]), Buffer.from('another-secret-0000')).kind).toBe('bad-mab');
    expect(checkMab(packet([textAttribute(attr('User-Name'), 'alice'), pw('secret')]), secret)).toEqual({ kind: 'not-mab' });
  });

  test('never throws on random attributes', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.constantFrom(1, 2, 3, 6, 31, 60, 26), value: fc.uint8Array({ maxLength: 60 }) }), { maxLength: 6 }), (attrs) => {
        const r = checkMab(packet(attrs.map((a) => ({ type: a.type, value: Buffer.from(a.value) }))), secret);
        expect(['mab', 'not-mab', 'bad-mab']).toContain(r.kind);
      }),
    );
  });
});

import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, test } from 'vitest';
import { parseAddress } from './address.js';

describe('parseAddress', () => {
  test.each([
    ['10.0.0.5', '10.0.0.5'],
    ['10.0.0.5/24', '10.0.0.0/24'],
    ['10.0.0.5/32', '10.0.0.5'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['2001:db8:0:1:0:0:1:0', '2001:db8:0:1::1:0'],
  ])('%s → %s', (input, text) => {
    expect(parseAddress(input)).toMatchObject({ text });
  });

  test.each([
    ['10.0.0.0/0', '/0'],
    ['10.0.0.0/33', 'prefix length'],
    ['fe80::1%eth0', 'zone id'],
    ['10.0.0.1; flush ruleset', 'not an IP address'],
    ['example.com', 'not an IP address'],
    ['', 'not an IP address'],
  ])('%j is refused (%s)', (input, problem) => {
    const r = parseAddress(input);
    expect('problem' in r && r.problem).toContain(problem);
  });

  test('/0 only where the server fallback asks for it', () => {
    expect(parseAddress('::/0', { allowZeroPrefix: true })).toEqual({ text: '::/0', family: 6, prefix: 0 });
  });

  test('IPv4: canonical, idempotent, host bits cleared', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 32 }), (bytes, prefix) => {
        const r = parseAddress(`${bytes.join('.')}/${prefix}`);
        if ('problem' in r) return false;
        const n = bytes.reduce((a, b) => a * 256 + b, 0);
        const net = prefix === 32 ? n : Math.floor(n / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
        const base = [24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.');
        const again = parseAddress(r.text);
        return r.text === (prefix === 32 ? base : `${base}/${prefix}`) && !('problem' in again) && again.text === r.text;
      }),
    );
  });

  test('IPv6: the same text as the WHATWG URL serializer (RFC 5952)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
        const full = groups.map((g) => g.toString(16)).join(':');
        const r = parseAddress(full);
        return !('problem' in r) && r.text === new URL(`http://[${full}]/`).hostname.slice(1, -1);
      }),
    );
  });

  test('any string: never throws; what it accepts is an address', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (s) => {
        const r = parseAddress(s);
        return 'problem' in r || isIP(r.text.split('/')[0]!) !== 0;
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressPool } from './address-pool.js';
import { intToIpv4, ipv4ToInt, parseIpv4Range } from '../../../policy/util/ipv4.js';

describe('IPv4 helpers', () => {
  it('round-trips every address', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (n) => {
      expect(ipv4ToInt(intToIpv4(n))).toBe(n);
    }));
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1..3.4'])('%j is not an address', (s) => {
    expect(ipv4ToInt(s)).toBeUndefined();
  });

  it('parses ranges and refuses reversed or malformed ones', () => {
    expect(parseIpv4Range('10.0.0.10-10.0.0.20')).toEqual({ first: ipv4ToInt('10.0.0.10'), last: ipv4ToInt('10.0.0.20') });
    expect(parseIpv4Range('10.0.0.20-10.0.0.10')).toBeUndefined();
    expect(parseIpv4Range('10.0.0.10')).toBeUndefined();
    expect(parseIpv4Range('10.0.0.10-10.0.0.20-10.0.0.30')).toBeUndefined();
  });
});

describe('AddressPool', () => {
  const base = ipv4ToInt('10.0.0.10')!;

  it('hands out every address once, then reports exhaustion instead of looping', () => {
    const pool = new AddressPool(base, base + 3);
    const got = [pool.take(), pool.take(), pool.take(), pool.take()];
    expect(new Set(got).size).toBe(4);
    expect(got.every((ip) => ip !== undefined && pool.contains(ip))).toBe(true);
    expect(pool.take()).toBeUndefined();
    expect(pool.used).toBe(4);
  });

  it('is next-fit: an address just freed is the last to be handed out again', () => {
    const pool = new AddressPool(base, base + 3);
    const first = pool.take()!;
    pool.free(first);
    expect([pool.take(), pool.take(), pool.take()]).not.toContain(first);
    expect(pool.take()).toBe(first);
  });

  it('claim marks a known lease (at start) and refuses an address already taken or outside', () => {
    const pool = new AddressPool(base, base + 1);
    expect(pool.claim(base + 1)).toBe(true);
    expect(pool.claim(base + 1)).toBe(false);
    expect(pool.claim(base + 2)).toBe(false);
    expect(pool.take()).toBe(base);
    expect(pool.take()).toBeUndefined();
  });

  it('property: under any sequence of take, claim and free, no address is ever handed out while taken, and the count is exact', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant({ op: 'take' as const }), fc.record({ op: fc.constantFrom('claim' as const, 'free' as const), at: fc.integer({ min: -2, max: 12 }) })), { maxLength: 60 }), (ops) => {
        const pool = new AddressPool(base, base + 9);
        const held = new Set<number>();
        for (const o of ops) {
          if (o.op === 'take') {
            const ip = pool.take();
            if (ip === undefined) expect(held.size).toBe(10);
            else {
              expect(held.has(ip)).toBe(false);
              held.add(ip);
            }
          } else if (o.op === 'claim') {
            const ok = pool.claim(base + o.at);
            expect(ok).toBe(o.at >= 0 && o.at <= 9 && !held.has(base + o.at));
            if (ok) held.add(base + o.at);
          } else {
            expect(pool.free(base + o.at)).toBe(held.delete(base + o.at));
          }
          expect(pool.used).toBe(held.size);
        }
      }),
    );
  });

  it('refuses ranges it cannot hold', () => {
    expect(() => new AddressPool(10, 5)).toThrow(RangeError);
    expect(() => new AddressPool(0, 0xffff_ffff)).toThrow(/at most/);
  });
});

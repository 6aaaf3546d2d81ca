/**
 * Properties of the whole codec: what we encode we decode to the same message, and no input,
 * however broken, makes the decoder or the typed getters throw anything but DhcpDecodeError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DhcpDecodeError } from './decode-error.js';
import { decodeDhcp, encodeDhcp, type DhcpMessage } from './message.js';
import { readOptionField } from './option-area.js';
import * as options from './options.js';
import { getRelayAgentInfo, scopeSelector } from './relay-agent.js';
import { datagram, decodesOrDrops, hex, headerHex, messageArb, norm, wireOrder } from './test-vectors.js';

/** Every getter, on a message that decoded: each returns or throws DhcpDecodeError. */
const GETTERS: ((m: Pick<DhcpMessage, 'options'>) => unknown)[] = [
  options.getMessageType, options.getSubnetMask, options.getRouters, options.getDomainNameServers, options.getHostName,
  options.getDomainName, options.getBroadcastAddress, options.getRequestedIp, options.getLeaseTime, options.getServerIdentifier,
  options.getParameterRequestList, options.getMessage, options.getMaxMessageSize, options.getRenewalTime, options.getRebindingTime,
  options.getVendorClassId, options.getClientIdentifier, options.getCaptivePortal, getRelayAgentInfo,
];

function decodesAndReadsOrDrops(b: Uint8Array): boolean {
  try {
    const m = decodeDhcp(b);
    for (const get of GETTERS) {
      try {
        get(m);
      } catch (e) {
        if (!(e instanceof DhcpDecodeError)) throw e;
        expect(e.reason).toBe('bad-option-value');
      }
    }
    scopeSelector({ ...m, options: new Map([...m.options].filter(([c]) => c !== 82)) });
  } catch (e) {
    if (!(e instanceof DhcpDecodeError)) throw e;
  }
  return true;
}

describe('DHCP codec: round trips', () => {
  it('decode(encode(m)) == m in wire order, with room to spare', () => {
    fc.assert(fc.property(messageArb({ maxValue: 300, maxCount: 8, names: true }), (m) => {
      const wire = encodeDhcp(m, { maxMessageSize: 65535 });
      expect(wire.length).toBeGreaterThanOrEqual(300);
      expect(norm(decodeDhcp(wire))).toEqual(norm(wireOrder(m)));
    }), { numRuns: 500 });
  });

  it('at the default 576, a message either fits (overloaded if need be) and round-trips, or is refused with RangeError', () => {
    let overloaded = 0;
    let refused = 0;
    fc.assert(fc.property(messageArb({ minValue: 30, maxValue: 140, minCount: 2, maxCount: 8, names: false }), (m) => {
      let wire: Buffer;
      try {
        wire = encodeDhcp(m);
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        refused++;
        return;
      }
      expect(wire.length).toBeLessThanOrEqual(576 - 28);
      if (readOptionField(wire, 240, wire.length, 'options').some((o) => o.code === 52)) overloaded++;
      expect(norm(decodeDhcp(wire))).toEqual(norm(wireOrder(m)));
    }), { numRuns: 1000 });
    // The arbitrary must actually reach the overload path, or this property proves little.
    expect(overloaded).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});

describe('DHCP codec: hostile input', () => {
  it('arbitrary bytes decode or drop with DhcpDecodeError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodesAndReadsOrDrops), { numRuns: 2000 });
  });

  it('arbitrary options behind a valid header and cookie decode or drop', () => {
    const header = hex(headerHex());
    fc.assert(fc.property(fc.uint8Array({ maxLength: 800 }), fc.uint8Array({ minLength: 236, maxLength: 236 }), fc.boolean(), (body, fixed, keepHeader) => {
      const b = Buffer.concat([keepHeader ? header : Buffer.concat([fixed, header.subarray(236)]), body]);
      return decodesAndReadsOrDrops(b);
    }), { numRuns: 3000 });
  });

  it('arbitrary TLV lists (with pads, overload and option 82) decode or drop', () => {
    const tlv = fc.oneof(
      fc.constant(Uint8Array.of(0)),
      fc.constant(Uint8Array.of(255)),
      fc.constantFrom(1, 3, 6, 12, 51, 52, 53, 54, 55, 57, 61, 82, 114).chain((code) =>
        fc.uint8Array({ maxLength: 20 }).map((v) => Uint8Array.of(code, v.length, ...v))),
    );
    fc.assert(fc.property(fc.array(tlv, { maxLength: 30 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 128 }), (opts, sname, file) => {
      const b = datagram(Buffer.concat(opts).toString('hex'));
      b.set(sname, 44);
      b.set(file, 108);
      return decodesAndReadsOrDrops(b);
    }), { numRuns: 3000 });
  });

  it('mutated valid packets (flips, truncation, extension, length tampering) decode or drop', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('extend' as const), tail: fc.uint8Array({ maxLength: 64 }) }),
      fc.record({ kind: fc.constant('set-byte' as const), at: fc.nat(), v: fc.nat(255) }),
      fc.record({ kind: fc.constant('overload' as const), v: fc.nat(255) }),
    );
    fc.assert(fc.property(messageArb({ maxValue: 60, maxCount: 6, names: false }), fc.array(mutation, { minLength: 1, maxLength: 5 }), (m, ms) => {
      let b = Buffer.from(encodeDhcp(m));
      for (const x of ms) {
        if (x.kind === 'flip' && b.length > 0) b[x.at % b.length]! ^= 1 << x.bit;
        else if (x.kind === 'truncate') b = b.subarray(0, x.at % (b.length + 1));
        else if (x.kind === 'extend') b = Buffer.concat([b, x.tail]);
        // Option bytes sit from 240 on: this hits codes and lengths alike.
        else if (x.kind === 'set-byte' && b.length > 240) b[240 + (x.at % (b.length - 240))] = x.v;
        else if (x.kind === 'overload' && b.length >= 244) b = Buffer.concat([b.subarray(0, 240), Uint8Array.of(52, 1, x.v % 5), b.subarray(240)]);
      }
      return decodesAndReadsOrDrops(b);
    }), { numRuns: 3000 });
  });

  it('the worst case (4096 bytes of empty options) decodes promptly', () => {
    const b = Buffer.concat([hex(headerHex()), Buffer.from('e000'.repeat(Math.floor((4096 - 241) / 2)), 'hex'), Uint8Array.of(255)]);
    const start = performance.now();
    for (let i = 0; i < 100; i++) decodeDhcp(b);
    expect(decodesOrDrops(b)).toBe(true);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes } from './equal-bytes.js';

describe('equalBytes', () => {
  it('agrees with Buffer.equals on arbitrary and on nearly equal inputs', () => {
    const nearly = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([a, at, flip]) => {
      const b = Uint8Array.from(a);
      b[at % b.length]! ^= flip;
      return [a, b] as const;
    });
    fc.assert(
      fc.property(fc.oneof(fc.tuple(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 })), nearly), ([a, b]) => {
        expect(equalBytes(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(equalBytes(a, Uint8Array.from(a))).toBe(true);
      }),
    );
  });

  it('different lengths are never equal, even when one is a prefix of the other', () => {
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

import { describe, expect, test } from 'vitest';
import { IDENTIFIERS_PER_TARGET, IdentifierPool, IdentifiersExhaustedError } from './identifiers.js';

const fill = async (pool: IdentifierPool): Promise<number[]> => Promise.all(Array.from({ length: IDENTIFIERS_PER_TARGET }, () => pool.acquire()));

describe('IdentifierPool', () => {
  test('hands out all 256 distinct Identifiers, then queues', async () => {
    const pool = new IdentifierPool(10);
    const ids = await fill(pool);
    expect(new Set(ids).size).toBe(IDENTIFIERS_PER_TARGET);
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id <= 255)).toBe(true);
    let got: number | undefined;
    void pool.acquire().then((id) => (got = id));
    await Promise.resolve();
    expect(got).toBeUndefined();
    pool.release(ids[17]!);
    await Promise.resolve();
    expect(got).toBe(ids[17]);
    expect(pool.inFlightCount).toBe(IDENTIFIERS_PER_TARGET);
  });

  test('round-robin: a released Identifier is not the next one handed out', async () => {
    const pool = new IdentifierPool(0);
    const a = await pool.acquire();
    pool.release(a);
    const b = await pool.acquire();
    expect(b).toBe((a + 1) % IDENTIFIERS_PER_TARGET);
  });

  test('queue bound: one more waiter than allowed is refused clearly', async () => {
    const pool = new IdentifierPool(1);
    await fill(pool);
    const waiting = pool.acquire();
    await expect(pool.acquire()).rejects.toBeInstanceOf(IdentifiersExhaustedError);
    pool.rejectWaiters(new Error('closing'));
    await expect(waiting).rejects.toThrow('closing');
  });

  test('releasing an Identifier not in flight changes nothing; idle once all are back', async () => {
    const pool = new IdentifierPool(1);
    const id = await pool.acquire();
    pool.release((id + 1) % IDENTIFIERS_PER_TARGET);
    expect(pool.inFlightCount).toBe(1);
    expect(pool.idle).toBe(false);
    pool.release(id);
    pool.release(id);
    expect(pool.idle).toBe(true);
  });
});

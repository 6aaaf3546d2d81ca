/** The worker's copies: admission answers and forwarded session records. */
import { describe, expect, test, vi } from 'vitest';
import { ForwardedSessions } from './forwarded-sessions.js';
import type { FromWorker } from './protocol.js';
import { RemoteAdmission } from './remote-admission.js';

describe('RemoteAdmission', () => {
  test('a miss asks once per MAC, the answer is cached, and pushes replace or forget it', async () => {
    const sent: FromWorker[] = [];
    const a = new RemoteAdmission((m) => sent.push(m));
    const first = a.lookup('t1', 'aa:bb:cc:dd:ee:01');
    const second = a.lookup('t1', 'aa:bb:cc:dd:ee:01');
    expect(sent).toEqual([{ kind: 'lookup', requestId: 1, tenantId: 't1', mac: 'aa:bb:cc:dd:ee:01' }]);
    a.learned('t1', 'aa:bb:cc:dd:ee:01', { endpointId: 'e1', verdict: 'allow' }, 1);
    expect(await first).toEqual({ endpointId: 'e1', verdict: 'allow' });
    expect(await second).toEqual({ endpointId: 'e1', verdict: 'allow' });
    expect(a.peek('t1', 'aa:bb:cc:dd:ee:01')?.verdict).toBe('allow');
    expect(a.peek('t2', 'aa:bb:cc:dd:ee:01')).toBeUndefined();
    a.learned('t1', 'aa:bb:cc:dd:ee:01', { endpointId: 'e1', verdict: 'isolate', vlan: '99' });
    expect(a.peek('t1', 'aa:bb:cc:dd:ee:01')).toEqual({ endpointId: 'e1', verdict: 'isolate', vlan: '99' });
    a.learned('t1', 'aa:bb:cc:dd:ee:01', null);
    expect(a.peek('t1', 'aa:bb:cc:dd:ee:01')).toBeUndefined();
  });

  test('an unknown MAC is remembered briefly, a known one for the full TTL', () => {
    let now = 1_000_000;
    const a = new RemoteAdmission(() => undefined, 2000, () => now);
    a.learned('t1', 'aa:bb:cc:dd:ee:02', {});
    a.learned('t1', 'aa:bb:cc:dd:ee:03', { endpointId: 'e3', verdict: 'allow' });
    now += 6_000;
    expect(a.peek('t1', 'aa:bb:cc:dd:ee:02')).toBeUndefined();
    expect(a.peek('t1', 'aa:bb:cc:dd:ee:03')).toBeDefined();
    now += 60_000;
    expect(a.peek('t1', 'aa:bb:cc:dd:ee:03')).toBeUndefined();
  });

  test('no answer in time, or a failed lookup, rejects (the server then places the device as unknown)', async () => {
    vi.useFakeTimers();
    try {
      const a = new RemoteAdmission(() => undefined, 500);
      const late = a.lookup('t1', 'aa:bb:cc:dd:ee:04');
      const caught = late.catch((e: Error) => e.message);
      vi.advanceTimersByTime(501);
      expect(await caught).toMatch(/did not answer an admission lookup within 500 ms/);
      const failing = a.lookup('t1', 'aa:bb:cc:dd:ee:05').catch((e: Error) => e.message);
      a.failed(2, 'the store is closed');
      expect(await failing).toBe('the store is closed');
      // An answer to a request already given up is ignored, but still teaches the cache.
      a.learned('t1', 'aa:bb:cc:dd:ee:04', { endpointId: 'e4', verdict: 'deny' }, 1);
      expect(a.peek('t1', 'aa:bb:cc:dd:ee:04')?.verdict).toBe('deny');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('ForwardedSessions', () => {
  const touch = { tenantId: 't1', nas: 'sw1', nasAddress: '10.0.0.2', mac: 'aa:bb:cc:dd:ee:01', vlan: '10', placement: 'production' };

  test('batches per event-loop turn; an unchanged re-authorization is sent once per 30 s, changes and accounting always', async () => {
    const sent: FromWorker[] = [];
    let now = 0;
    const f = new ForwardedSessions((m) => sent.push(m), () => now);
    f.authorized(touch);
    f.authorized(touch);
    f.authorized({ ...touch, vlan: '99', placement: 'quarantine' });
    f.accounted({ ...touch, acctSessionId: 'S1' }, 'start');
    expect(sent).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(1);
    const first = sent[0]!;
    expect(first.kind === 'sessions' && first.touches.map((t) => `${t.op}:${t.touch.vlan}`)).toEqual(['authorized:10', 'authorized:99', 'accounted:10']);
    now += 31_000;
    f.authorized({ ...touch, vlan: '99', placement: 'quarantine' });
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(2);
    // After a Stop, the same authorization is news again at once.
    f.accounted({ ...touch, acctSessionId: 'S1' }, 'stop', 'terminate-cause-1');
    f.authorized({ ...touch, vlan: '99', placement: 'quarantine' });
    await new Promise((r) => setImmediate(r));
    const last = sent[2]!;
    expect(last.kind === 'sessions' && last.touches.map((t) => t.op)).toEqual(['accounted', 'authorized']);
  });
});

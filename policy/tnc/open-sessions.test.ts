import { describe, expect, test } from 'vitest';
import { OpenSessions, type RetryableSession } from './open-sessions.js';

const session = (answer: boolean | Error): RetryableSession & { asked: number } => {
  const s = {
    asked: 0,
    async retry() {
      s.asked++;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return s;
};

describe('OpenSessions', () => {
  test('asks the endpoint\'s latest session; forgetting an older one keeps the newer', async () => {
    const open = new OpenSessions();
    const older = session(true);
    const newer = session(true);
    const forgetOlder = open.register('acme', 'ep-1', older);
    const forgetNewer = open.register('acme', 'ep-1', newer);
    forgetOlder();
    expect(await open.retry('acme', 'ep-1')).toBe(true);
    expect([older.asked, newer.asked]).toEqual([0, 1]);
    forgetNewer();
    expect(await open.retry('acme', 'ep-1')).toBe(false);
    expect(open.size).toBe(0);
  });

  test('scoped by tenant, and a failing session counts as "cannot"', async () => {
    const open = new OpenSessions();
    open.register('acme', 'ep-1', session(true));
    expect(await open.retry('beta', 'ep-1')).toBe(false);
    open.register('acme', 'ep-2', session(new Error('socket gone')));
    expect(await open.retry('acme', 'ep-2')).toBe(false);
  });
});

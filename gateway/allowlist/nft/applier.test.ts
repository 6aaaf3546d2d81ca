/** The applier's scheduling against a fake nft: what goes in which run, and what happens on failure. */
import { afterEach, describe, expect, test } from 'vitest';
import type { GatewayLocal, GatewayPolicy } from '../contract.js';
import { AllowlistApplier } from './applier.js';

const LOCAL: GatewayLocal = { table: 'kk', clientNetworks: ['10.20.0.0/24'], directInterfaces: [] };
const POLICY: GatewayPolicy = { remediation: [], services: [] };

/** Records scripts; `gate` holds a run open until released; `fail` decides per script. */
class FakeNft {
  scripts: string[] = [];
  fail: (script: string) => boolean = () => false;
  gate: Promise<void> | undefined;
  async run(script: string): Promise<void> {
    this.scripts.push(script);
    if (this.gate) await this.gate;
    if (this.fail(script)) throw new Error('nft -f - exited 1: Error: Could not process rule');
  }
  async listTable(): Promise<unknown> {
    return undefined;
  }
}

const isFull = (s: string): boolean => s.includes('delete table');
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

let applier: AllowlistApplier | undefined;
afterEach(async () => {
  await applier?.stop();
});

function setup(): { nft: FakeNft; a: AllowlistApplier } {
  const nft = new FakeNft();
  applier = new AllowlistApplier({ local: LOCAL, runner: nft, retryInitialMs: 10, retryMaxMs: 40 });
  return { nft, a: applier };
}

describe('AllowlistApplier (fake nft)', () => {
  test('start is a full replace; changes in one turn are one delta run', async () => {
    const { nft, a } = setup();
    await a.start(POLICY, [{ ip: '10.20.0.1', access: 'quarantined' }]);
    expect(nft.scripts.map(isFull)).toEqual([true]);
    await Promise.all([a.upsert({ ip: '10.20.0.1', access: 'allowed' }), a.upsert({ ip: '10.20.0.2', access: 'denied' }), a.remove('10.20.0.3')]);
    expect(nft.scripts.length).toBe(2);
    expect(nft.scripts[1]).toBe('add element inet kk allowed { 10.20.0.1 }\nadd element inet kk quarantined { 10.20.0.1 }\nadd element inet kk denied { 10.20.0.2 }\ndelete element inet kk quarantined { 10.20.0.1 }\n');
    expect(a.stats()).toMatchObject({ runs: 2, elementsChanged: 3, failures: 0, fullReplaces: 1 });
    expect(a.health().ok).toBe(true);
  });

  test('changes made while a run is in flight all go in the next single run', async () => {
    const { nft, a } = setup();
    await a.start(POLICY, []);
    let release!: () => void;
    nft.gate = new Promise((r) => (release = r));
    const first = a.upsert({ ip: '10.20.0.1', access: 'allowed' });
    await tick();
    await tick();
    expect(nft.scripts.length).toBe(2);
    const later = [a.upsert({ ip: '10.20.0.2', access: 'allowed' }), a.upsert({ ip: '10.20.0.3', access: 'allowed' })];
    await tick();
    await tick();
    const more = a.upsert({ ip: '10.20.0.4', access: 'allowed' });
    expect(nft.scripts.length).toBe(2);
    nft.gate = undefined;
    release();
    await Promise.all([first, ...later, more]);
    expect(nft.scripts.length).toBe(3);
    expect(nft.scripts[2]).toBe('add element inet kk allowed { 10.20.0.2, 10.20.0.3, 10.20.0.4 }\n');
  });

  test('a change that changes nothing resolves without a run', async () => {
    const { nft, a } = setup();
    await a.start(POLICY, [{ ip: '10.20.0.1', access: 'allowed' }]);
    await a.upsert({ ip: '10.20.0.1', access: 'allowed' });
    expect(nft.scripts.length).toBe(1);
  });

  test('a failed delta falls back to one full replace', async () => {
    const { nft, a } = setup();
    await a.start(POLICY, []);
    nft.fail = (s) => !isFull(s);
    await a.upsert({ ip: '10.20.0.1', access: 'allowed' });
    expect(nft.scripts.map(isFull)).toEqual([true, false, true]);
    expect(nft.scripts[2]).toContain('elements = { 10.20.0.1 }');
    expect(a.stats()).toMatchObject({ runs: 3, failures: 1, fullReplaces: 2 });
    expect(a.health().ok).toBe(true);
  });

  test('when the full replace fails too: reject, unhealthy, retry with backoff until it takes', async () => {
    const { nft, a } = setup();
    await a.start(POLICY, []);
    nft.fail = () => true;
    await expect(a.upsert({ ip: '10.20.0.1', access: 'allowed' })).rejects.toThrow(/Could not process rule/);
    expect(a.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/not applied/) });
    // Made while unhealthy: waits for a retry, which fails, and again...
    const pending = a.upsert({ ip: '10.20.0.2', access: 'allowed' });
    await expect(pending).rejects.toThrow();
    const runsBefore = nft.scripts.length;
    await new Promise((r) => setTimeout(r, 100));
    // 10, 20, 40, 40 ms: a few retries, not a busy loop.
    const retries = nft.scripts.length - runsBefore;
    expect(retries).toBeGreaterThanOrEqual(1);
    expect(retries).toBeLessThanOrEqual(5);
    expect(nft.scripts.slice(runsBefore).every(isFull)).toBe(true);
    nft.fail = () => false;
    const third = a.upsert({ ip: '10.20.0.3', access: 'allowed' });
    await third;
    expect(a.health().ok).toBe(true);
    expect(nft.scripts.at(-1)).toMatch(/elements = \{ 10\.20\.0\.1, 10\.20\.0\.2, 10\.20\.0\.3 \}/);
  });

  test('an invalid entry rejects and changes nothing', async () => {
    const { nft, a } = setup();
    await a.start(POLICY, []);
    await expect(a.upsert({ ip: '10.20.0.1 }', access: 'allowed' })).rejects.toThrow(/entry\.ip/);
    await expect(a.replaceAll([{ ip: '10.20.0.1', access: 'allowed' }, { ip: 'x', access: 'allowed' }])).rejects.toThrow(/entries\[1\]\.ip/);
    await expect(a.setPolicy({ remediation: ['nope'], services: [] })).rejects.toThrow(/policy\.remediation\[0\]/);
    expect(nft.scripts.length).toBe(1);
    expect(() => new AllowlistApplier({ local: { ...LOCAL, table: 'bad table' }, runner: nft })).toThrow(/local\.table/);
  });

  test('before start and after stop, changes are refused', async () => {
    const { a } = setup();
    await expect(a.upsert({ ip: '10.20.0.1', access: 'allowed' })).rejects.toThrow(/not started/);
    await a.start(POLICY, []);
    await a.stop();
    await a.stop();
    await expect(a.remove('10.20.0.1')).rejects.toThrow(/stopped/);
  });
});

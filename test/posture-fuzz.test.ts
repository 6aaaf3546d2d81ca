/**
 * Hostile posture reports: whatever JSON arrives, the server answers 200 or 400 (never 5xx, never a
 * crash), counts the rejection, and keeps serving other endpoints.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';

let s: TestServer;
let device: { id: string; credential: string };
beforeAll(async () => {
  s = await startTestServer();
  device = await enrollEndpoint(s, s.adminToken['default']!, { hostname: 'fuzzed' });
});
afterAll(async () => s?.close());

const factKeys = ['os', 'pendingUpdates', 'packages', 'antivirus', 'firewall', 'diskEncryption', 'ipForwarding', 'factoryDefaultPassword', 'secureBoot', 'agent', 'deviceId', 'bogus'];

/** Near-valid reports: the right skeleton with arbitrary values where facts go. */
const nearValid = fc.record({
  reportedAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
  facts: fc.dictionary(fc.constantFrom(...factKeys), fc.oneof(fc.jsonValue(), fc.record({ status: fc.constantFrom('ok', 'unknown', 'error', 'x'), value: fc.jsonValue(), collectedAt: fc.string(), source: fc.constantFrom('http', 'kenneki-agent', 'evil') }))),
});

describe('posture ingestion under hostile input', () => {
  it('answers 200 or 400, never 5xx, for arbitrary and near-valid JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), nearValid), async (body) => {
        const r = await report(s, device.credential, body);
        expect([200, 400]).toContain(r.status);
        if (r.status === 400) expect(r.json.error.code).toMatch(/^KENNEKI_ERR_/);
      }),
      { numRuns: 300, seed: 20261123 },
    );
  });

  it('rejects malformed JSON and wrong content with 4xx and counts it', async () => {
    for (const body of ['{"reportedAt":', 'null', '[]', '"x"', '{"reportedAt":"2026-01-01T00:00:00Z","facts":{"os":{"__proto__":{"status":"ok"}}}}']) {
      const res = await fetch(`${s.url}/api/v1/posture`, { method: 'POST', headers: { authorization: `Bearer ${device.credential}`, 'content-type': 'application/json' }, body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/kenneki_http_rejected_total\{route="\/api\/v1\/posture",reason="[^"]+"\} [1-9]/);
  });

  it('still assesses a well-formed report afterwards', async () => {
    const r = await report(s, device.credential, healthyReport(new Date()));
    expect(r.status).toBe(200);
    expect(r.json.verdict).toBe('allow');
  });
});

describe('report ordering', () => {
  it('rejects a report older than the stored one, so a replay cannot roll posture back', async () => {
    const { credential } = await enrollEndpoint(s, s.adminToken['default']!, { hostname: 'replayed' });
    const now = Date.now();
    const firewallOff = (at: Date) => healthyReport(at, { firewall: { status: 'ok', value: { profiles: [{ name: 'default', enabled: false }] }, collectedAt: at.toISOString(), source: 'kenneki-agent' } });
    expect((await report(s, credential, firewallOff(new Date(now - 1000)))).json.verdict).toBe('isolate');
    const older = healthyReport(new Date(now - 60_000));
    const r = await report(s, credential, older);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('KENNEKI_ERR_POSTURE_INVALID');
    expect((await report(s, credential, firewallOff(new Date(now)))).json.verdict).toBe('isolate');
  });
});

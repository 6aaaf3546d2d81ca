import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

describe('a fresh server', () => {
  it('quarantines a registered endpoint until it reports, then allows a healthy one', async () => {
    const { id, credential } = await enrollEndpoint(s, s.adminToken['default']!, { mac: 'AA-BB-CC-00-11-22', hostname: 'pc-001', owner: 'alice' });
    let detail = await s.api(s.adminToken['default'], 'GET', `/api/v1/endpoints/${id}`);
    expect(detail.json.endpoint.verdict).toBe('isolate');
    expect(detail.json.endpoint.mac).toBe('aa:bb:cc:00:11:22');

    const r = await report(s, credential, healthyReport(new Date()));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ verdict: 'allow', changed: true });

    detail = await s.api(s.adminToken['default'], 'GET', `/api/v1/endpoints/${id}`);
    expect(detail.json.endpoint.verdict).toBe('allow');
    expect(detail.json.decision.trace.policy.name).toBe('baseline');
    expect(detail.json.history.map((h: { verdict: string }) => h.verdict)).toEqual(['allow', 'isolate']);
  });

  it('isolates a laptop whose firewall is off and tells the user why', async () => {
    const { credential } = await enrollEndpoint(s, s.adminToken['default']!, { hostname: 'pc-002' });
    const t = new Date();
    const r = await report(s, credential, healthyReport(t, { firewall: { status: 'ok', value: { profiles: [{ name: 'Public', enabled: false }] }, collectedAt: t.toISOString(), source: 'kenneki-agent' } }));
    expect(r.json.verdict).toBe('isolate');
    expect(r.json.reasons.length).toBeGreaterThan(0);
    expect(r.json.remediation[0].ja).toBeTruthy();
  });
});

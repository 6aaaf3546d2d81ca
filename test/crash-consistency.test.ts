/**
 * A server killed with SIGKILL in the middle of ingestion restarts with a consistent store and has
 * lost no acknowledged report: a 200 is sent only after the report's transaction committed.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { healthyReport } from './helpers/kenneki-server.js';
import { spawnKenneki, type Spawned } from './helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'kenneki-crash-'));
const file = join(dir, 'k.yaml');
writeFileSync(file, `data_dir: ${dir}\nhttp: { port: 0 }\npt_tls: { port: 0 }\nlog: { level: warn }\nadmin: { bootstrap_password: "crash-test-password-0123456789" }\n`);
const procs: Spawned[] = [];
afterAll(() => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ p: Spawned; url: string; token: string }> {
  const p = spawnKenneki(['serve', '--config', file]);
  procs.push(p);
  const [, url] = await p.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'crash-test-password-0123456789' }) });
  const { token } = (await login.json()) as { token: string };
  return { p, url: url!, token };
}

describe('SIGKILL during ingestion', () => {
  it('keeps every acknowledged report and a consistent store', async () => {
    const { p, url, token } = await start();
    const endpoints: { id: string; credential: string }[] = [];
    for (let i = 0; i < 16; i++) {
      const r = await fetch(`${url}/api/v1/endpoints`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ hostname: `pc-${i}` }) });
      const j = (await r.json()) as { endpoint: { id: string }; deviceCredential: string };
      endpoints.push({ id: j.endpoint.id, credential: j.deviceCredential });
    }

    const acked: { endpointId: string; reportedAt: string }[] = [];
    let seq = 0;
    let killed = false;
    const base = Date.now() - 60_000;
    const worker = async (e: { id: string; credential: string }) => {
      while (!killed) {
        // Unique, increasing report times; every other report turns the firewall off so verdicts flip.
        const n = seq++;
        const at = new Date(base + n);
        const body = healthyReport(at, n % 2 ? { firewall: { status: 'ok', value: { profiles: [{ name: 'default', enabled: false }] }, collectedAt: at.toISOString(), source: 'kenneki-agent' } } : {});
        try {
          const r = await fetch(`${url}/api/v1/posture`, { method: 'POST', headers: { authorization: `Bearer ${e.credential}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
          if (r.status === 200) acked.push({ endpointId: e.id, reportedAt: body.reportedAt });
          else await r.text();
        } catch {
          return; // connection reset by the kill: not acknowledged, may or may not be stored
        }
      }
    };
    const workers = endpoints.map(worker);
    while (acked.length < 400) await new Promise((r) => setTimeout(r, 10));
    p.child.kill('SIGKILL');
    killed = true;
    await p.exited;
    await Promise.all(workers);
    expect(acked.length).toBeGreaterThanOrEqual(400);

    // The store as the crash left it: intact, every acknowledged report present, rows agree.
    const db = new Database(join(dir, 'kenneki.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const snapshot = db.prepare('SELECT 1 FROM posture_snapshots WHERE endpoint_id = ? AND reported_at = ?');
      const missing = acked.filter((a) => !snapshot.get(a.endpointId, a.reportedAt));
      expect(missing).toEqual([]);
      const latestAcked = new Map<string, string>();
      for (const a of acked) if ((latestAcked.get(a.endpointId) ?? '') < a.reportedAt) latestAcked.set(a.endpointId, a.reportedAt);
      const rows = db
        .prepare(
          `SELECT e.id, e.verdict, e.last_report_at, p.reported_at AS posture_at,
                  (SELECT v.verdict FROM verdicts v WHERE v.endpoint_id = e.id ORDER BY v.id DESC LIMIT 1) AS last_verdict
             FROM endpoints e LEFT JOIN endpoint_posture p ON p.endpoint_id = e.id`,
        )
        .all() as { id: string; verdict: string; last_report_at: string | null; posture_at: string | null; last_verdict: string | null }[];
      for (const r of rows) {
        // The endpoint row, its current posture and its verdict history were written together.
        expect(r.last_report_at).toBe(r.posture_at);
        expect(r.verdict).toBe(r.last_verdict);
        const acknowledged = latestAcked.get(r.id);
        if (acknowledged) expect(r.posture_at! >= acknowledged).toBe(true);
      }
    } finally {
      db.close();
    }

    // And the restarted server serves that state.
    const again = await start();
    const list = (await (await fetch(`${again.url}/api/v1/endpoints?limit=100`, { headers: { authorization: `Bearer ${again.token}` } })).json()) as { total: number };
    expect(list.total).toBe(16);
    again.p.child.kill('SIGTERM');
    await again.p.exited;
  });
});

/**
 * Verdicts move without a new report when their inputs change: exceptions (created, expired,
 * group membership), grace running out, monitor-only, posture going stale, policy changes,
 * definitions imports. Time is a ManualClock, so expiry and staleness are exact.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../policy/service/clock.js';
import { packageRoot } from '../policy/util/package-root.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { DAY, HOUR, facts, lastAuditId, policyBody, recordVerdicts } from './helpers/scenario.js';

const T0 = new Date('2026-03-02T09:00:00.000Z');
type Overrides = (at: Date) => Record<string, unknown>;
type Device = { id: string; credential: string };

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A server on a ManualClock at T0; closed after the test unless `shared` (then the caller closes it). */
async function setup(opts: { yaml?: string; shared?: boolean } = {}) {
  const clock = new ManualClock(T0);
  const s = await startTestServer({ clock, ...(opts.yaml ? { yaml: opts.yaml } : {}) });
  if (!opts.shared) servers.push(s);
  const admin = s.adminToken['default']!;
  const send = async (e: Device, ...overrides: Overrides[]) => {
    const at = clock.now();
    const r = await report(s, e.credential, healthyReport(at, Object.assign({}, ...overrides.map((o) => o(at)))));
    if (r.status !== 200) throw new Error(`report failed: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json as { verdict: string; changed: boolean; reasons: { en: string }[] };
  };
  const detail = async (e: Device) => {
    const r = await s.api(admin, 'GET', `/api/v1/endpoints/${e.id}`);
    expect(r.status).toBe(200);
    return r.json;
  };
  const verdictOf = async (e: Device) => (await detail(e)).endpoint.verdict as string;
  const check = async (e: Device, id: string) => ((await detail(e)).decision.trace.checks as { check: string }[]).find((c) => c.check === id) as any;
  const ok201 = async (method: string, path: string, body: unknown) => {
    const r = await s.api(admin, method, path, body);
    if (r.status !== 201 && r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const listIds = async (query: string) => {
    const r = await s.api(admin, 'GET', `/api/v1/endpoints?limit=500&${query}`);
    expect(r.status, query).toBe(200);
    return (r.json.items as { id: string }[]).map((e) => e.id).sort();
  };
  return { s, clock, admin, send, detail, verdictOf, check, ok201, listIds, enroll: (body: Record<string, unknown>) => enrollEndpoint(s, admin, body) };
}

const ids = (...es: Device[]) => es.map((e) => e.id).sort();
const moves = (bus: ReturnType<typeof recordVerdicts>) => bus.events.map((e) => [e.endpointId, e.previous, e.verdict, e.cause]);

describe('exceptions', () => {
  it('a user exception allows until it expires; the sweep then isolates with cause exception-expiry', async () => {
    const { s, clock, admin, send, detail, verdictOf, check, enroll } = await setup();
    const carol = await enroll({ hostname: 'carol-pc', owner: 'carol' });
    const dave = await enroll({ hostname: 'dave-pc', owner: 'dave' });
    for (const e of [carol, dave]) expect((await send(e, facts.firewallOff)).verdict).toBe('isolate');

    const bus = recordVerdicts(s);
    const expiresAt = new Date(T0.getTime() + HOUR).toISOString();
    const exc = await s.api(admin, 'POST', '/api/v1/exceptions', { scope: { kind: 'user', user: 'Carol' }, checks: ['firewall'], reason: 'firewall driver bug', approver: 'ciso', expiresAt });
    expect(exc.status).toBe(201);
    await s.server.queue.idle();

    expect({ carol: await verdictOf(carol), dave: await verdictOf(dave) }).toEqual({ carol: 'allow', dave: 'isolate' });
    expect(moves(bus)).toEqual([[carol.id, 'isolate', 'allow', 'exception-change']]);
    const waived = await detail(carol);
    expect(waived.decision.trace.exceptions).toEqual([{ id: exc.json.id, scope: 'user Carol', checks: ['firewall'], expiresAt }]);
    expect(await check(carol, 'firewall')).toMatchObject({ status: 'non-compliant-major', configuredAction: 'isolate', effectiveAction: 'waived', exceptionId: exc.json.id });
    expect((await detail(dave)).decision.trace.exceptions).toEqual([]);

    // Still valid half an hour later: the sweep changes nothing.
    bus.clear();
    clock.advance(HOUR / 2);
    expect(await s.server.sweeper.sweep()).toMatchObject({ exceptionsExpired: 0, changed: 0 });
    expect(bus.events).toEqual([]);
    expect(await verdictOf(carol)).toBe('allow');

    // Two hours after creation it has expired.
    clock.advance(HOUR * 1.5);
    expect(await s.server.sweeper.sweep()).toMatchObject({ exceptionsExpired: 1, changed: 1 });
    expect(moves(bus)).toEqual([[carol.id, 'allow', 'isolate', 'exception-expiry']]);
    const after = await detail(carol);
    expect(after.endpoint.verdict).toBe('isolate');
    expect(after.decision.trace.exceptions).toEqual([]);
    expect(await check(carol, 'firewall')).toMatchObject({ effectiveAction: 'isolate' });
    expect((await check(carol, 'firewall')).exceptionId).toBeUndefined();
    expect(after.history.slice(0, 3).map((h: any) => [h.previous, h.verdict, h.cause])).toEqual([
      ['allow', 'isolate', 'exception-expiry'],
      ['isolate', 'allow', 'exception-change'],
      ['isolate', 'isolate', 'posture'],
    ]);

    // Processed once: a later sweep does not re-announce it.
    bus.clear();
    expect(await s.server.sweeper.sweep()).toMatchObject({ exceptionsExpired: 0, changed: 0 });
    expect(bus.events).toEqual([]);
    expect((await s.api(admin, 'GET', '/api/v1/exceptions')).json.items).toEqual([]);
    expect((await s.api(admin, 'GET', '/api/v1/exceptions?include_expired=true')).json.items.map((e: { id: string }) => e.id)).toEqual([exc.json.id]);
  });

  it('a group exception applies through identity groups (user or device), and stops when membership ends', async () => {
    const { s, admin, send, verdictOf, detail, enroll } = await setup();
    const erin = await enroll({ hostname: 'erin-pc', owner: 'erin' });
    const frank = await enroll({ hostname: 'frank-pc', owner: 'frank' });
    const gail = await enroll({ hostname: 'gail-pc', owner: 'gail' });
    for (const e of [erin, frank, gail]) expect((await send(e, facts.firewallOff)).verdict).toBe('isolate');
    const bus = recordVerdicts(s);

    const exc = await s.api(admin, 'POST', '/api/v1/exceptions', {
      scope: { kind: 'group', group: 'Lab' },
      checks: ['firewall'],
      reason: 'lab segment is firewalled upstream',
      approver: 'ciso',
      expiresAt: new Date(T0.getTime() + 7 * DAY).toISOString(),
    });
    expect(exc.status).toBe(201);
    await s.server.queue.idle();
    expect(bus.events).toEqual([]); // nobody is in the group yet

    const steps: [string, string, string[], Record<string, string>][] = [
      ['user erin joins lab', '/api/v1/identities/user/erin', ['lab'], { erin: 'allow', frank: 'isolate', gail: 'isolate' }],
      ["frank's device joins lab", '/api/v1/identities/device/frank-pc', ['staff', 'LAB'], { erin: 'allow', frank: 'allow', gail: 'isolate' }],
      ['gail joins another group', '/api/v1/identities/user/gail', ['sales'], { erin: 'allow', frank: 'allow', gail: 'isolate' }],
      ['erin leaves lab', '/api/v1/identities/user/erin', [], { erin: 'isolate', frank: 'allow', gail: 'isolate' }],
    ];
    for (const [label, path, groups, expected] of steps) {
      expect((await s.api(admin, 'PUT', path, { groups })).status, label).toBe(200);
      await s.server.queue.idle();
      expect({ erin: await verdictOf(erin), frank: await verdictOf(frank), gail: await verdictOf(gail) }, label).toEqual(expected);
    }
    expect(moves(bus)).toEqual([
      [erin.id, 'isolate', 'allow', 'identity-change'],
      [frank.id, 'isolate', 'allow', 'identity-change'],
      [erin.id, 'allow', 'isolate', 'identity-change'],
    ]);
    const f = await detail(frank);
    expect([...f.groups].sort()).toEqual(['LAB', 'staff']);
    expect(f.decision.trace.exceptions).toEqual([expect.objectContaining({ id: exc.json.id, scope: 'group Lab' })]);
    expect((await detail(erin)).decision.trace.exceptions).toEqual([]);
  });
});

describe('grace', () => {
  const gracePolicy = policyBody('laptop-firewall-grace', 10, [{ check: 'firewall', action: 'isolate', graceDays: 3 }], { match: { deviceTags: ['laptop'] } });

  it('a failing check only warns during graceDays, counted from the first failure, and restarts after a pass', async () => {
    const { clock, send, check, enroll, ok201 } = await setup();
    await ok201('POST', '/api/v1/policies', gracePolicy);
    const laptop = await enroll({ hostname: 'hana-laptop', tags: ['laptop'] });
    const day = (n: number) => new Date(T0.getTime() + n * DAY).toISOString();

    // [advance days, firewall off?, verdict, grace (undefined: none), effective action]
    const steps: [number, boolean, string, { since: string; until: string; active: boolean } | undefined, string][] = [
      [0, true, 'allow', { since: day(0), until: day(3), active: true }, 'warn'],
      [2, true, 'allow', { since: day(0), until: day(3), active: true }, 'warn'],
      [2, true, 'isolate', { since: day(0), until: day(3), active: false }, 'isolate'],
      [0.5, false, 'allow', undefined, 'pass'],
      [0.5, true, 'allow', { since: day(5), until: day(8), active: true }, 'warn'],
      [3.5, true, 'isolate', { since: day(5), until: day(8), active: false }, 'isolate'],
    ];
    for (const [advance, off, verdict, grace, effective] of steps) {
      clock.advance(advance * DAY);
      const label = `${clock.now().toISOString()} firewall ${off ? 'off' : 'on'}`;
      const r = await send(laptop, ...(off ? [facts.firewallOff] : []));
      expect(r.verdict, label).toBe(verdict);
      // A warning still tells the user, even while access is allowed.
      expect(r.reasons.length, label).toBe(off ? 1 : 0);
      const c = await check(laptop, 'firewall');
      expect(c.effectiveAction, label).toBe(effective);
      expect(c.grace, label).toEqual(grace && { days: 3, ...grace });
    }
  });

  it('grace running out is applied by server-side re-evaluation too, without a new report', async () => {
    // Posture may be 10 days old here, so only grace decides.
    const { s, clock, send, verdictOf, check, enroll, ok201 } = await setup({ yaml: 'posture: { stale_after_hours: 240 }' });
    const policy = await ok201('POST', '/api/v1/policies', gracePolicy);
    const laptop = await enroll({ hostname: 'ivo-laptop', tags: ['laptop'] });
    expect((await send(laptop, facts.firewallOff)).verdict).toBe('allow');
    const bus = recordVerdicts(s);
    clock.advance(4 * DAY);
    // Any input change re-evaluates stored posture; here an edit of the policy's description.
    await ok201('PUT', `/api/v1/policies/${policy.id}`, { ...gracePolicy, description: 'three days to fix the firewall' });
    await s.server.queue.idle();
    expect(await verdictOf(laptop)).toBe('isolate');
    expect((await check(laptop, 'firewall')).grace).toMatchObject({ active: false, since: T0.toISOString() });
    expect(moves(bus)).toEqual([[laptop.id, 'allow', 'isolate', 'policy-change']]);
  });
});

describe('time-driven review', () => {
  it('the sweeper applies grace running out on time, with no report and no admin change', async () => {
    const { s, clock, send, verdictOf, check, enroll, ok201 } = await setup({ yaml: 'posture: { stale_after_hours: 240 }' });
    await ok201('POST', '/api/v1/policies', policyBody('fw-grace-sweep', 10, [{ check: 'firewall', action: 'isolate', graceDays: 3 }], { match: { deviceTags: ['laptop'] } }));
    const laptop = await enroll({ hostname: 'kai-laptop', tags: ['laptop'] });
    expect((await send(laptop, facts.firewallOff)).verdict).toBe('allow');
    const bus = recordVerdicts(s);
    clock.advance(3 * DAY - 60_000); // a minute before grace ends: nothing to do yet
    expect(await s.server.sweeper.sweep()).toMatchObject({ reviewed: 0, changed: 0 });
    expect(await verdictOf(laptop)).toBe('allow');
    clock.advance(2 * 60_000);
    expect(await s.server.sweeper.sweep()).toMatchObject({ reviewed: 1, changed: 1 });
    expect(await verdictOf(laptop)).toBe('isolate');
    expect((await check(laptop, 'firewall')).grace).toMatchObject({ active: false });
    expect(moves(bus)).toEqual([[laptop.id, 'allow', 'isolate', 'grace-expiry']]);
  });

  it('stale posture never loosens a deny', async () => {
    const { s, clock, send, verdictOf, enroll, ok201 } = await setup();
    await ok201('POST', '/api/v1/policies', policyBody('fw-deny', 10, [{ check: 'firewall', action: 'deny' }], { match: { deviceTags: ['kiosk'] } }));
    const kiosk = await enroll({ hostname: 'kiosk-1', tags: ['kiosk'] });
    expect((await send(kiosk, facts.firewallOff)).verdict).toBe('deny');
    clock.advance(25 * HOUR);
    await s.server.sweeper.sweep();
    expect(await verdictOf(kiosk)).toBe('deny');
  });
});

describe('monitor-only', () => {
  // One server; each case gets its own policy and tag.
  let env: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  beforeAll(async () => {
    env = await setup({ shared: true });
  });
  afterAll(async () => env?.s.close());

  it.each([
    ['policy in monitor mode', { mode: 'monitor' }, [{ check: 'firewall', action: 'isolate' }], [facts.firewallOff], 'allow', 'isolate', { effectiveAction: 'warn', wouldBe: 'isolate', monitorOnly: true }],
    ['policy in monitor mode, deny', { mode: 'monitor' }, [{ check: 'firewall', action: 'deny' }], [facts.firewallOff], 'allow', 'deny', { effectiveAction: 'warn', wouldBe: 'deny', monitorOnly: true }],
    ['policy in monitor mode, compliant', { mode: 'monitor' }, [{ check: 'firewall', action: 'isolate' }], [], 'allow', 'allow', { effectiveAction: 'pass', wouldBe: 'pass', monitorOnly: true }],
    [
      'monitor-only check beside an enforced one that passes',
      {},
      [{ check: 'firewall', action: 'isolate', monitorOnly: true }, { check: 'antivirus', action: 'isolate' }],
      [facts.firewallOff],
      'allow',
      'isolate',
      { effectiveAction: 'warn', wouldBe: 'isolate', monitorOnly: true },
    ],
    [
      'monitor-only check beside an enforced one that fails',
      {},
      [{ check: 'firewall', action: 'isolate', monitorOnly: true }, { check: 'antivirus', action: 'isolate' }],
      [facts.firewallOff, (at: Date) => facts.antivirusSignaturesAgeDays(at, 10)],
      'isolate',
      'isolate',
      { effectiveAction: 'warn', wouldBe: 'isolate', monitorOnly: true },
    ],
    ['enforced policy, for contrast', {}, [{ check: 'firewall', action: 'isolate' }], [facts.firewallOff], 'isolate', 'isolate', { effectiveAction: 'isolate' }],
  ] as const)('%s', async (_label, extra, checks, overrides, verdict, monitored, firewall) => {
    const { send, detail, check, enroll, ok201 } = env;
    const tag = `pilot-${++n}`;
    await ok201('POST', '/api/v1/policies', policyBody(`under-test-${n}`, 10, [...checks], { ...extra, match: { deviceTags: [tag] } }));
    const e = await enroll({ hostname: `${tag}-pc`, tags: [tag] });
    expect((await send(e, ...overrides)).verdict).toBe(verdict);
    const d = await detail(e);
    expect(d.endpoint.verdict).toBe(verdict);
    expect(d.decision).toMatchObject({ verdict, monitoredVerdict: monitored });
    expect(d.decision.trace.policy.name).toBe(`under-test-${n}`);
    const fw = await check(e, 'firewall');
    expect(fw).toMatchObject(firewall);
    if (!('monitorOnly' in firewall)) expect(fw.monitorOnly).toBeUndefined();
  });
});

describe('staleness', () => {
  it('posture older than stale_after_hours is isolated by the sweep, whatever offset the device wrote its time in', async () => {
    const { s, clock, send, detail, verdictOf, enroll } = await setup();
    const hana = await enroll({ hostname: 'hana-pc' });
    const ivan = await enroll({ hostname: 'ivan-pc' });
    const jun = await enroll({ hostname: 'jun-pc' });
    expect((await send(hana)).verdict).toBe('allow');
    // Same instant as hana's report, written in Japan time.
    const jst = new Date(T0.getTime() + 9 * HOUR).toISOString().replace('Z', '+09:00');
    const jr = await report(s, jun.credential, { ...healthyReport(T0), reportedAt: jst });
    expect(jr.json.verdict).toBe('allow');
    clock.advance(20 * HOUR);
    expect((await send(ivan)).verdict).toBe('allow');

    const bus = recordVerdicts(s);
    clock.advance(4 * HOUR); // hana and jun: exactly 24 h, not yet stale
    expect(await s.server.sweeper.sweep()).toMatchObject({ reviewed: 0, changed: 0 });
    clock.advance(HOUR); // 25 h
    expect(await s.server.sweeper.sweep()).toMatchObject({ reviewed: 2, changed: 2 });

    expect({ hana: await verdictOf(hana), ivan: await verdictOf(ivan), jun: await verdictOf(jun) }).toEqual({ hana: 'isolate', ivan: 'allow', jun: 'isolate' });
    expect(moves(bus).sort()).toEqual(
      [
        [hana.id, 'allow', 'isolate', 'stale'],
        [jun.id, 'allow', 'isolate', 'stale'],
      ].sort(),
    );
    for (const e of [hana, jun]) {
      const d = await detail(e);
      expect(d.decision.trace).toMatchObject({ defaulted: 'stale-posture', postureReportedAt: T0.toISOString(), checks: [] });
      expect(d.decision.reasons.length).toBeGreaterThan(0);
      expect(d.history[0]).toMatchObject({ previous: 'allow', verdict: 'isolate', cause: 'stale' });
    }

    // Already isolated: the next sweep has nothing to do.
    bus.clear();
    expect(await s.server.sweeper.sweep()).toMatchObject({ reviewed: 0, changed: 0 });
    expect(bus.events).toEqual([]);
    // A fresh report brings hana back.
    expect((await send(hana)).verdict).toBe('allow');
  });
});

describe('policy changes', () => {
  it('re-evaluate stored posture: a stricter policy for a group moves its members only, with no new report', async () => {
    const { s, admin, send, detail, verdictOf, enroll, ok201 } = await setup();
    await ok201('PUT', '/api/v1/identities/user/gina', { groups: ['contractors'] });
    const gina = await enroll({ hostname: 'gina-pc', owner: 'gina' });
    const hank = await enroll({ hostname: 'hank-pc', owner: 'hank' });
    // Disk encryption off only warns under the baseline.
    for (const e of [gina, hank]) expect((await send(e, facts.diskUnencrypted)).verdict).toBe('allow');
    const postureBefore = (await detail(gina)).posture;
    const auditMark = await lastAuditId(s, 'default');

    const bus = recordVerdicts(s);
    const strict = await ok201(
      'POST',
      '/api/v1/policies',
      policyBody('contractors-strict', 100, [{ check: 'disk-encryption', action: 'isolate' }, { check: 'firewall', action: 'isolate' }], { match: { groups: ['contractors'] } }),
    );
    await s.server.queue.idle();
    expect({ gina: await verdictOf(gina), hank: await verdictOf(hank) }).toEqual({ gina: 'isolate', hank: 'allow' });
    expect(moves(bus)).toEqual([[gina.id, 'allow', 'isolate', 'policy-change']]);
    const g = await detail(gina);
    expect(g.decision.trace.policy).toMatchObject({ name: 'contractors-strict', matchedBy: 'group contractors', revision: 1 });
    expect(g.posture).toEqual(postureBefore); // judged on the stored report
    expect(g.history[0]).toMatchObject({ cause: 'policy-change', verdict: 'isolate' });
    expect((await detail(hank)).decision.trace.policy.name).toBe('baseline');

    // Disabling it moves gina back; deleting it afterwards moves nobody.
    bus.clear();
    await ok201('PUT', `/api/v1/policies/${strict.id}`, { ...policyBody('contractors-strict', 100, [{ check: 'disk-encryption', action: 'isolate' }], { match: { groups: ['contractors'] } }), enabled: false });
    await s.server.queue.idle();
    expect(moves(bus)).toEqual([[gina.id, 'isolate', 'allow', 'policy-change']]);
    bus.clear();
    expect((await s.api(admin, 'DELETE', `/api/v1/policies/${strict.id}`)).status).toBe(204);
    await s.server.queue.idle();
    expect(bus.events).toEqual([]);
    expect({ gina: await verdictOf(gina), hank: await verdictOf(hank) }).toEqual({ gina: 'allow', hank: 'allow' });
    // Three policy changes, three audit rows; re-evaluation itself is not an admin action.
    expect((await s.api(admin, 'GET', '/api/v1/audit?limit=10')).json.items.filter((r: { id: number }) => r.id > auditMark).map((r: { action: string }) => r.action)).toEqual([
      'policy.delete',
      'policy.update',
      'policy.create',
    ]);
  });
});

describe('definitions', () => {
  it('an import re-evaluates reported endpoints, and the list filters by package, missing patch and failing check', async () => {
    const { s, admin, send, detail, verdictOf, enroll, ok201, listIds } = await setup();
    // Packages are warn-only in the baseline; enforce them for this fleet.
    await ok201('POST', '/api/v1/policies', policyBody('packages-enforced', 10, [{ check: 'packages', action: 'isolate' }]));
    const pkgs = (...p: [string, string][]) => (at: Date) => facts.packages(at, p.map(([name, version]) => ({ name, version })));
    const telnet = await enroll({ hostname: 'telnet-box' });
    const oldSsl = await enroll({ hostname: 'old-ssl' });
    const oldSsh = await enroll({ hostname: 'old-ssh' });
    const clean = await enroll({ hostname: 'clean' });
    await send(telnet, pkgs(['openssl', '3.0.15-1~deb12u1'], ['telnetd', '0.17-41']));
    await send(oldSsl, pkgs(['openssl', '3.0.11-1~deb12u1']));
    await send(oldSsh, pkgs(['openssh', '1:9.2p1-2+deb12u2']));
    await send(clean, pkgs(['openssl', '3.0.15-1~deb12u1']), (at) => facts.pendingUpdates(at, [{ id: 'curl', package: 'curl', version: '7.88.1-10+deb12u8', security: true }]));
    const all = [telnet, oldSsl, oldSsh, clean];
    for (const e of all) expect(await verdictOf(e)).toBe('allow');
    const bus = recordVerdicts(s);

    // 1. Kenneki's own format: the provider sample (forbids telnetd, fixes openssh on bookworm).
    const sample = readFileSync(join(packageRoot(), 'policy/definitions/fixtures/kenneki-definitions-sample.yaml'), 'utf8');
    expect((await s.api(admin, 'POST', '/api/v1/definitions', { format: 'kenneki', content: sample })).status).toBe(201);
    await s.server.queue.idle();
    expect(moves(bus).sort()).toEqual(
      [
        [telnet.id, 'allow', 'isolate', 'definitions-change'],
        [oldSsh.id, 'allow', 'isolate', 'definitions-change'],
      ].sort(),
    );
    const filters1: [string, Device[]][] = [
      ['package=telnetd', [telnet]],
      ['package=openssh', [oldSsh]],
      ['package=openssl', []],
      ['failing_check=packages', [telnet, oldSsh]],
      ['failing_check=firewall', []],
      ['missing_patch=curl', [clean]],
      ['missing_patch=telnetd', []],
      ['verdict=isolate', [telnet, oldSsh]],
      ['verdict=allow', [oldSsl, clean]],
    ];
    for (const [q, expected] of filters1) expect(await listIds(q), q).toEqual(ids(...expected));
    expect((await detail(telnet)).findings).toEqual([expect.objectContaining({ kind: 'forbidden-package', name: 'telnetd', version: '0.17-41' })]);

    // 2. The Debian security tracker: openssl 3.0.11 on bookworm is behind several fixes.
    bus.clear();
    const tracker = JSON.parse(readFileSync(join(packageRoot(), 'policy/definitions/fixtures/debian-tracker-sample.json'), 'utf8'));
    const imported = await s.api(admin, 'POST', '/api/v1/definitions', { format: 'debian-tracker', feed: 'debian-security', suites: ['bookworm'], content: tracker });
    expect(imported.status).toBe(201);
    expect(imported.json).toMatchObject({ name: 'debian-security', format: 'debian-tracker', forbidden: 0 });
    expect(imported.json.advisories).toBeGreaterThan(10);
    await s.server.queue.idle();
    expect(moves(bus)).toEqual([[oldSsl.id, 'allow', 'isolate', 'definitions-change']]);
    const filters2: [string, Device[]][] = [
      ['package=openssl', [oldSsl]],
      ['package=openssh', [oldSsh]],
      ['package=telnetd', [telnet]],
      ['failing_check=packages', [telnet, oldSsl, oldSsh]],
      ['missing_patch=curl', [clean]],
      ['verdict=allow', [clean]],
      ['package=openssl&verdict=allow', []],
    ];
    for (const [q, expected] of filters2) expect(await listIds(q), q).toEqual(ids(...expected));
    const finding = (await detail(oldSsl)).findings.find((f: { kind: string }) => f.kind === 'vulnerable-package');
    expect(finding).toMatchObject({ name: 'openssl', version: '3.0.11-1~deb12u1' });
    // Behind 3.0.11-1~deb12u2, 3.0.13-1~deb12u1 and 3.0.14-1~deb12u2; past 3.0.8-1.
    for (const cve of ['CVE-2023-5363', 'CVE-2024-0727', 'CVE-2024-6119']) expect(finding.detail).toContain(cve);
    expect(finding.detail).not.toContain('CVE-2023-0286');
    const feeds = (await s.api(admin, 'GET', '/api/v1/definitions')).json.items.map((f: { name: string; format: string }) => `${f.name}/${f.format}`).sort();
    expect(feeds).toEqual(['acme-provider/kenneki', 'debian-security/debian-tracker']);
  });
});

describe('what-if', () => {
  it('counts exactly which endpoints a candidate policy set would move, and stores nothing', async () => {
    const { s, admin, send, enroll } = await setup();
    const fleet: Record<string, Device[]> = { fw: [], ok: [], av: [] };
    const make: [keyof typeof fleet, number, Overrides[]][] = [
      ['fw', 7, [facts.firewallOff]],
      ['ok', 5, []],
      ['av', 3, [(at) => facts.antivirusSignaturesAgeDays(at, 10)]],
    ];
    for (const [kind, n, overrides] of make) {
      for (let i = 1; i <= n; i++) {
        const e = await enroll({ hostname: `${kind}-${i}` });
        await send(e, ...overrides);
        fleet[kind]!.push(e);
      }
    }
    const counts = async () => {
      const r = await s.api(admin, 'GET', '/api/v1/endpoints?limit=500');
      const c: Record<string, number> = {};
      for (const e of r.json.items as { verdict: string }[]) c[e.verdict] = (c[e.verdict] ?? 0) + 1;
      return c;
    };
    expect(await counts()).toEqual({ isolate: 10, allow: 5 });

    const baseline = (await s.api(admin, 'GET', '/api/v1/policies')).json.items.find((p: { name: string }) => p.name === 'baseline');
    const { tenantId: _t, revision: _r, createdAt: _c, updatedAt: _u, ...baselineInput } = baseline;
    const withCheck = (check: string, change: Record<string, unknown>) => ({
      ...baselineInput,
      checks: baselineInput.checks.map((c: { check: string }) => (c.check === check ? { ...c, ...change } : c)),
    });
    const operator = await s.token('default', 'operator');
    const viewer = await s.token('default', 'viewer');
    const stateBefore = {
      policies: (await s.api(admin, 'GET', '/api/v1/policies')).json,
      endpoints: (await s.api(admin, 'GET', '/api/v1/endpoints?limit=500')).json,
      history: (await s.api(admin, 'GET', `/api/v1/endpoints/${fleet['fw']![0]!.id}`)).json.history,
      audit: await lastAuditId(s, 'default'),
    };
    const bus = recordVerdicts(s);

    const CANDIDATES: [string, Record<string, unknown>, number, { from: string; to: string; count: number }[], string[]][] = [
      ['firewall only warns', { upsert: [withCheck('firewall', { action: 'warn' })] }, 7, [{ from: 'isolate', to: 'allow', count: 7 }], ['fw']],
      ['signatures may be 14 days old', { upsert: [withCheck('antivirus', { params: { maxSignatureAgeDays: 14 } })] }, 3, [{ from: 'isolate', to: 'allow', count: 3 }], ['av']],
      [
        'both',
        { upsert: [{ ...withCheck('firewall', { action: 'warn' }), checks: withCheck('firewall', { action: 'warn' }).checks.map((c: any) => (c.check === 'antivirus' ? { ...c, params: { maxSignatureAgeDays: 14 } } : c)) }] },
        10,
        [{ from: 'isolate', to: 'allow', count: 10 }],
        ['fw', 'av'],
      ],
      [
        'a stricter catch-all before the baseline',
        { upsert: [policyBody('deny-firewall-off', 1, [{ check: 'firewall', action: 'deny' }, { check: 'antivirus', action: 'isolate', params: { maxSignatureAgeDays: 7 } }])] },
        7,
        [{ from: 'isolate', to: 'deny', count: 7 }],
        ['fw'],
      ],
      ['no policy at all (baseline deleted)', { delete: [baseline.id] }, 5, [{ from: 'allow', to: 'isolate', count: 5 }], ['ok']],
      ['baseline disabled', { upsert: [{ ...baselineInput, enabled: false }] }, 5, [{ from: 'allow', to: 'isolate', count: 5 }], ['ok']],
      ['the current set again', { upsert: [baselineInput] }, 0, [], []],
    ];
    for (const [label, body, changed, expectedMoves, kinds] of CANDIDATES) {
      const r = await s.api(admin, 'POST', '/api/v1/policies/what-if', body);
      expect(r.status, `${label}: ${JSON.stringify(r.json)}`).toBe(200);
      expect(r.json.evaluated, label).toBe(15);
      expect(r.json.changed, label).toBe(changed);
      expect(r.json.moves, label).toEqual(expectedMoves);
      const expectedIds = kinds.flatMap((k) => fleet[k]!.map((e) => e.id)).sort();
      expect(r.json.endpoints.map((e: { id: string }) => e.id).sort(), label).toEqual(expectedIds);
      for (const e of r.json.endpoints) expect(e.policyFrom, label).toBe('baseline');
    }

    // The sample is capped, the counts are not; an operator may ask, a viewer may not.
    const capped = await s.api(operator, 'POST', '/api/v1/policies/what-if', { upsert: [withCheck('firewall', { action: 'warn' })], sampleLimit: 2 });
    expect(capped.json).toMatchObject({ changed: 7, moves: [{ from: 'isolate', to: 'allow', count: 7 }] });
    expect(capped.json.endpoints).toHaveLength(2);
    expect((await s.api(viewer, 'POST', '/api/v1/policies/what-if', { delete: [baseline.id] })).status).toBe(403);
    // Replacing a policy that does not exist is an error, not a silent add.
    expect((await s.api(admin, 'POST', '/api/v1/policies/what-if', { upsert: [{ ...baselineInput, id: '00000000-0000-4000-8000-000000000000' }] })).status).toBe(404);

    await s.server.queue.idle();
    expect(bus.events).toEqual([]);
    expect(await counts()).toEqual({ isolate: 10, allow: 5 });
    expect({
      policies: (await s.api(admin, 'GET', '/api/v1/policies')).json,
      endpoints: (await s.api(admin, 'GET', '/api/v1/endpoints?limit=500')).json,
      history: (await s.api(admin, 'GET', `/api/v1/endpoints/${fleet['fw']![0]!.id}`)).json.history,
      audit: await lastAuditId(s, 'default'),
    }).toEqual(stateBefore);
  });
});

describe('missing evidence', () => {
  // One server; each case gets its own policy, tag and endpoint. `FIRST` stands for the time of the
  // case's first report (the clock keeps moving from case to case).
  const FIRST = 'first report';
  let env: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  beforeAll(async () => {
    env = await setup({ shared: true });
  });
  afterAll(async () => env?.s.close());

  const lk = (extra: Record<string, unknown> = {}) => [{ check: 'firewall', action: 'isolate', onUnknown: 'use-last-known', ...extra }];
  const error = (at: Date) => ({ firewall: { status: 'error', reason: 'netsh failed', collectedAt: at.toISOString(), source: 'kenneki-agent' } });
  // [label, policy checks (undefined: baseline), reports in order (advance hours, facts), verdict, firewall check]
  const CASES: [string, unknown[] | undefined, [number, Overrides[]][], string, Record<string, unknown>][] = [
    ['baseline, firewall unknown', undefined, [[0, [facts.firewallUnknown]]], 'isolate', { status: 'unknown', configuredAction: 'isolate' }],
    ['baseline, firewall collector error', undefined, [[0, [error]]], 'isolate', { status: 'error', configuredAction: 'isolate' }],
    ['baseline, unknown after a good report', undefined, [[0, []], [1, [facts.firewallUnknown]]], 'isolate', { status: 'unknown' }],
    ['use-last-known after a good report', lk(), [[0, []], [1, [facts.firewallUnknown]]], 'allow', { status: 'compliant', effectiveAction: 'pass', usedLastKnown: { collectedAt: FIRST } }],
    ['use-last-known after a collector error', lk(), [[0, []], [1, [error]]], 'allow', { status: 'compliant', usedLastKnown: { collectedAt: FIRST } }],
    ['use-last-known after a bad report', lk(), [[0, [facts.firewallOff]], [1, [facts.firewallUnknown]]], 'isolate', { status: 'non-compliant-major', usedLastKnown: { collectedAt: FIRST } }],
    ['use-last-known with nothing known', lk(), [[0, [facts.firewallUnknown]]], 'isolate', { status: 'unknown', configuredAction: 'isolate' }],
    ['use-last-known, last good value too old', lk({ lastKnownMaxAgeHours: 1 }), [[0, []], [2, [facts.firewallUnknown]]], 'isolate', { status: 'unknown' }],
    ['use-last-known, last good value young enough', lk({ lastKnownMaxAgeHours: 3 }), [[0, []], [2, [facts.firewallUnknown]]], 'allow', { usedLastKnown: { collectedAt: FIRST } }],
    ['onUnknown deny', [{ check: 'firewall', action: 'isolate', onUnknown: 'deny' }], [[0, [facts.firewallUnknown]]], 'deny', { status: 'unknown', configuredAction: 'deny' }],
    ['fact absent from the report', [{ check: 'firewall', action: 'isolate' }], [[0, [() => ({ firewall: undefined })]]], 'isolate', { status: 'unknown' }],
    ['warn-only check cannot move access either way', [{ check: 'firewall', action: 'warn' }], [[0, [facts.firewallUnknown]]], 'allow', { status: 'unknown', configuredAction: 'warn' }],
  ];

  it.each(CASES)('%s', async (_label, checks, reports, verdict, firewall) => {
    const { clock, send, detail, check, enroll, ok201 } = env;
    const tag = `evidence-${++n}`;
    if (checks) await ok201('POST', '/api/v1/policies', policyBody(tag, 10, checks, { match: { deviceTags: [tag] } }));
    const e = await enroll({ hostname: `${tag}-pc`, tags: [tag] });
    const first = clock.now().toISOString();
    for (const [hours, overrides] of reports) {
      clock.advance(hours * HOUR);
      await send(e, ...overrides);
    }
    const d = await detail(e);
    expect(d.endpoint.verdict).toBe(verdict);
    expect(d.decision.trace.policy.name).toBe(checks ? tag : 'baseline');
    const expected = JSON.parse(JSON.stringify(firewall).replaceAll(JSON.stringify(FIRST), JSON.stringify(first)));
    expect(await check(e, 'firewall')).toMatchObject(expected);
    if (!('usedLastKnown' in firewall)) expect((await check(e, 'firewall')).usedLastKnown).toBeUndefined();
    // Whatever the evidence, an enforcing check never allows on evidence it does not have.
    if (checks?.some((c: any) => c.action !== 'warn') !== false && !('usedLastKnown' in firewall)) expect(d.endpoint.verdict).not.toBe('allow');
  });
});

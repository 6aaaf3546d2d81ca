import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Decision } from '../../decide/decision.js';
import type { Verdict } from '../../decide/policy.js';
import type { FactKey, PostureFacts } from '../../posture/facts.js';
import { decodeRemediationString, decodeRemediationUri } from '../pa/ietf-attributes.js';
import { BatchType, encodeBatch } from '../pb/batch.js';
import { PbMessageType } from '../pb/messages.js';
import { SASL_RESULT } from '../pt/bodies.js';
import type { PtMessage } from '../pt/message.js';
import { PB_ERROR, PT_ERROR } from '../wire-error.js';
import { KENNEKI_COLLECTOR_ID, debian12Attributes as kennekiOsAttributes, rawPaAttributesOf } from './test-client.js';
import { KENNEKI_ATTR, KENNEKI_VENDOR_ID } from '../pa/constants.js';
import { decodeQuarantineRules, encodeKennekiFact } from '../pa/kenneki-attributes.js';
import type { PaAttribute } from '../pa/message.js';
import { DEFAULT_MAX_BATCHES, TncsSession, type TncsSessionOptions } from './session.js';
import { MACHINE_ID, OS_COLLECTOR_ID, TestClient, bodyOf, debian12Attributes, paAttributesOf, serverBatchOf } from './test-client.js';

function decisionOf(verdict: Verdict, extra: Partial<Decision> = {}): Decision {
  return { verdict, monitoredVerdict: verdict, reasons: [], remediation: [], trace: { evaluatedAt: '2024-05-01T00:00:00Z', checks: [], exceptions: [] }, ...extra };
}

/** A stub policy: records the facts it was given and returns a fixed decision. */
function setup(opts: Partial<TncsSessionOptions> & { verdict?: Verdict; decision?: Decision } = {}) {
  const seen: PostureFacts[] = [];
  const session = new TncsSession({
    neededFacts: new Set<FactKey>(['os', 'packages']),
    decide: async (facts) => {
      seen.push(facts);
      return opts.decision ?? decisionOf(opts.verdict ?? 'allow');
    },
    limits: { maxRoundTrips: 1, maxBatchBytes: 1 << 20 },
    now: () => new Date('2024-05-01T00:00:00Z'),
    ...opts,
  });
  return { session, client: new TestClient(), seen };
}

/** Version exchange and the no-SASL Mechanisms message, as a standard client sees them. */
async function handshake(session: TncsSession, client: TestClient): Promise<void> {
  const r = await session.receive(client.versionRequest());
  expect(r.close).toBe(false);
}

const ptErrorCode = (m: PtMessage | undefined): number => {
  const b = bodyOf(m!);
  if (b.type !== 8) throw new Error(`expected PT-TLS Error, got ${b.type}`);
  return b.code;
};

const pbErrorCode = (m: PtMessage | undefined): number => {
  const b = serverBatchOf(m!);
  expect(b.type).toBe(BatchType.CLOSE);
  const e = b.messages[0]?.decoded;
  if (e?.kind !== 'error') throw new Error('expected PB-Error');
  expect(e.fatal).toBe(true);
  return e.code;
};

describe('version exchange', () => {
  test('version 1 → Version Response 1, then an empty SASL Mechanisms message', async () => {
    const { session, client } = setup();
    const r = await session.receive(client.versionRequest());
    expect(r.close).toBe(false);
    expect(r.replies.map(bodyOf)).toEqual([
      { type: 2, version: 1 },
      { type: 3, names: [] },
    ]);
  });

  test.each([
    [2, 2],
    [0, 0],
    [3, 9],
  ])('versions %i..%i → Version Not Supported and close', async (min, max) => {
    const { session, client } = setup();
    const r = await session.receive(client.versionRequest(min, max, min));
    expect(r.close).toBe(true);
    expect(r.replies).toHaveLength(1);
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.VERSION_NOT_SUPPORTED);
  });

  test('a batch before the version exchange is an Invalid Message', async () => {
    const { session, client } = setup();
    const r = await session.receive(client.firstCdata());
    expect(r.close).toBe(true);
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.INVALID_MESSAGE);
  });
});

describe('SASL PLAIN', () => {
  const authenticate = async (u: string, p: string): Promise<boolean> => u === 'alice' && p === 'secret';

  test('PLAIN is offered when authenticate is given', async () => {
    const { session, client } = setup({ authenticate });
    const r = await session.receive(client.versionRequest());
    expect(r.replies.map(bodyOf)[1]).toEqual({ type: 3, names: ['PLAIN'] });
  });

  test('success → SASL Result 0, then an empty Mechanisms message; batches are accepted', async () => {
    const { session, client } = setup({ authenticate });
    await session.receive(client.versionRequest());
    const r = await session.receive(client.plain('alice', 'secret'));
    expect(r.close).toBe(false);
    expect(r.replies.map(bodyOf)).toEqual([
      { type: 6, code: SASL_RESULT.SUCCESS },
      { type: 3, names: [] },
    ]);
    const b = await session.receive(client.firstCdata());
    expect(serverBatchOf(b.replies[0]!).type).toBe(BatchType.SDATA);
  });

  test.each([
    ['wrong password', async () => false],
    ['authenticator throws', async () => Promise.reject(new Error('ldap down'))],
  ])('failure (%s) → SASL Result failure and close', async (_name, auth) => {
    const { session, client } = setup({ authenticate: auth });
    await session.receive(client.versionRequest());
    const r = await session.receive(client.plain('alice', 'nope'));
    expect(r.close).toBe(true);
    expect(r.replies.map(bodyOf)).toEqual([{ type: 6, code: SASL_RESULT.FAILURE }]);
    // Nothing is processed after a failed authentication.
    expect(await session.receive(client.firstCdata())).toEqual({ replies: [], close: true });
  });

  test('skipping SASL when it was offered is an Invalid Message', async () => {
    const { session, client } = setup({ authenticate });
    await session.receive(client.versionRequest());
    const r = await session.receive(client.firstCdata());
    expect(r.close).toBe(true);
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.INVALID_MESSAGE);
  });
});

describe('assessment of a Debian 12 client', () => {
  test('CDATA → SDATA Attribute Request for packages → CDATA → RESULT → CLOSE', async () => {
    const { session, client, seen } = setup({ verdict: 'allow' });
    await handshake(session, client);

    // First CDATA: OS basics; packages are needed, so the server asks for type 7.
    const r1 = await session.receive(client.firstCdata());
    expect(r1.close).toBe(false);
    expect(r1.replies).toHaveLength(1);
    const sdata = serverBatchOf(r1.replies[0]!);
    expect(sdata).toMatchObject({ fromServer: true, type: BatchType.SDATA });
    expect(sdata.messages).toHaveLength(1);
    const pa = sdata.messages[0]!;
    expect(pa.noskip).toBe(true);
    expect(pa.decoded).toMatchObject({ kind: 'pa', exclusive: true, collectorId: OS_COLLECTOR_ID, paSubtype: 1, paVendor: 0 });
    expect(paAttributesOf(pa.decoded)).toEqual([{ type: 'attribute-request', attributes: [{ vendor: 0, type: 7 }] }]);
    expect(session.facts.os).toMatchObject({ status: 'ok', value: { family: 'linux', version: '12' } });
    expect(session.facts.deviceId).toMatchObject({ status: 'ok', value: MACHINE_ID });
    expect(session.facts.ipForwarding).toMatchObject({ status: 'ok', value: false });
    expect(session.facts.factoryDefaultPassword).toMatchObject({ status: 'ok', value: false });
    expect(session.decision).toBeUndefined();

    // Second CDATA: 300 packages → RESULT.
    const r2 = await session.receive(client.packagesCdata(300));
    expect(r2.close).toBe(false);
    const result = serverBatchOf(r2.replies[0]!);
    expect(result).toMatchObject({ fromServer: true, type: BatchType.RESULT });
    expect(result.messages.map((m) => [m.type, m.noskip])).toEqual([
      [PbMessageType.PA, true],
      [PbMessageType.ASSESSMENT_RESULT, true],
      [PbMessageType.ACCESS_RECOMMENDATION, false],
      [PbMessageType.REASON_STRING, false],
    ]);
    expect(paAttributesOf(result.messages[0]!.decoded)).toEqual([{ type: 'assessment-result', result: 0 }]);
    expect(result.messages[1]!.decoded).toEqual({ kind: 'assessment-result', result: 0 });
    expect(result.messages[2]!.decoded).toEqual({ kind: 'access-recommendation', code: 1 });
    expect(result.messages[3]!.decoded).toMatchObject({ kind: 'reason-string', lang: 'en' });

    // Facts accumulated across both batches reached the policy.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.os?.status).toBe('ok');
    const pkgs = seen[0]!.packages;
    expect(pkgs?.status === 'ok' && pkgs.value.packages.length).toBe(300);
    expect(session.decision?.verdict).toBe('allow');

    const r3 = await session.receive(client.close());
    expect(r3.close).toBe(true);
    expect(serverBatchOf(r3.replies[0]!)).toMatchObject({ fromServer: true, type: BatchType.CLOSE, messages: [] });
  });

  test.each([
    ['allow', 1, 0],
    ['isolate', 3, 1],
    ['deny', 2, 2],
  ] as const)('verdict %s → access recommendation %i, assessment result %i', async (verdict, code, assessment) => {
    const { session, client } = setup({ verdict, neededFacts: new Set<FactKey>(['os']) });
    await handshake(session, client);
    const r = await session.receive(client.firstCdata());
    const b = serverBatchOf(r.replies[0]!);
    expect(b.type).toBe(BatchType.RESULT);
    expect(b.messages[1]!.decoded).toEqual({ kind: 'assessment-result', result: assessment });
    expect(b.messages[2]!.decoded).toEqual({ kind: 'access-recommendation', code });
  });

  test('one Remediation Instructions string per failing check, then the URL, in the chosen language', async () => {
    const failing = (check: 'pending-updates' | 'ip-forwarding', reason: Decision['reasons'][number], remediation: Decision['remediation']) => ({
      check,
      status: 'non-compliant-minor' as const,
      configuredAction: 'isolate' as const,
      effectiveAction: 'isolate' as const,
      result: { check, status: 'non-compliant-minor' as const, reason, remediation },
    });
    const contact = { en: 'If the problem persists, contact your IT administrator.', ja: '問題が解決しない場合は IT 管理者に連絡してください。' };
    const decision = decisionOf('isolate', {
      reasons: [{ en: 'Security updates are pending.', ja: 'セキュリティ更新が保留中です。' }],
      remediation: [],
      remediationUrl: 'https://portal.example/remediate',
    });
    decision.trace.checks = [
      failing('pending-updates', { en: 'Security updates are pending', ja: 'セキュリティ更新が保留中です' }, [{ en: 'Run apt upgrade.', ja: 'apt upgrade を実行してください。' }, contact]),
      failing('ip-forwarding', { en: 'IP forwarding is enabled.', ja: 'IP 転送が有効です。' }, [{ en: 'Turn off IP forwarding.' }, contact]),
      { ...failing('ip-forwarding', { en: 'passes' }, []), effectiveAction: 'pass' as const },
    ];
    const { session, client } = setup({ decision, neededFacts: new Set<FactKey>(['os']) });
    await handshake(session, client);
    const b = serverBatchOf((await session.receive(client.firstCdata('ja'))).replies[0]!);
    const attrs = paAttributesOf(b.messages[0]!.decoded);
    expect(attrs[0]).toEqual({ type: 'assessment-result', result: 1 });
    const rem = attrs.slice(1).map((a) => {
      if (a.type !== 'remediation-instructions') throw new Error('expected remediation');
      return a.paramsType === 2 ? decodeRemediationString(a.params) : decodeRemediationUri(a.params);
    });
    expect(rem).toEqual([
      { text: 'セキュリティ更新が保留中です。apt upgrade を実行してください。問題が解決しない場合は IT 管理者に連絡してください。', lang: 'ja' },
      // No Japanese for one step: English rather than nothing, and the string is tagged en.
      { text: 'IP 転送が有効です。 Turn off IP forwarding. 問題が解決しない場合は IT 管理者に連絡してください。', lang: 'en' },
      'https://portal.example/remediate',
    ]);
    expect(b.messages[3]!.decoded).toEqual({ kind: 'reason-string', reason: 'セキュリティ更新が保留中です。', lang: 'ja' });
  });

  test('a decision made without checks (no device identity) still tells the user what to do', async () => {
    const decision = decisionOf('isolate', { remediation: [{ en: 'Enable the device ID collector' }, { en: 'Then reconnect.' }] });
    const { session, client } = setup({ decision, neededFacts: new Set<FactKey>(['os']) });
    await handshake(session, client);
    const b = serverBatchOf((await session.receive(client.firstCdata('en'))).replies[0]!);
    const texts = paAttributesOf(b.messages[0]!.decoded)
      .slice(1)
      .map((a) => (a.type === 'remediation-instructions' ? decodeRemediationString(a.params) : a));
    expect(texts).toEqual([{ text: 'Enable the device ID collector. Then reconnect.', lang: 'en' }]);
  });

  test.each([
    ['ja', 'ja'],
    ['ja-JP, en;q=0.5', 'ja'],
    ['en', 'en'],
    ['fr', 'en'],
  ])('Accept-Language: %s → reason string in %s', async (pref, lang) => {
    const { session, client } = setup({ verdict: 'deny', neededFacts: new Set<FactKey>(['os']) });
    await handshake(session, client);
    const b = serverBatchOf((await session.receive(client.firstCdata(pref))).replies[0]!);
    expect(b.messages[3]!.decoded).toMatchObject({ kind: 'reason-string', lang });
  });

  test('round-trip limit reached → decides with what it has', async () => {
    const { session, client, seen } = setup({ limits: { maxRoundTrips: 1, maxBatchBytes: 1 << 20 } });
    await handshake(session, client);
    expect(serverBatchOf((await session.receive(client.firstCdata())).replies[0]!).type).toBe(BatchType.SDATA);
    // The client answers without packages: the budget is spent, so the server decides.
    const r = await session.receive(client.batch(BatchType.CDATA, []));
    expect(serverBatchOf(r.replies[0]!).type).toBe(BatchType.RESULT);
    expect(seen[0]!.packages).toBeUndefined();
  });

  test('maxRoundTrips 0 → RESULT straight after the first CDATA', async () => {
    const { session, client } = setup({ limits: { maxRoundTrips: 0, maxBatchBytes: 1 << 20 } });
    await handshake(session, client);
    expect(serverBatchOf((await session.receive(client.firstCdata())).replies[0]!).type).toBe(BatchType.RESULT);
  });

  test('a malformed OS attribute earns a PA-TNC Error, not a closed connection', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os']) });
    await handshake(session, client);
    const bad = { noskip: false, vendor: 0, type: 11, value: new Uint8Array([0, 0, 0, 9]) }; // forwarding 9
    const r = await session.receive(client.batch(BatchType.CDATA, [client.osPa([bad])]));
    expect(r.close).toBe(false);
    const b = serverBatchOf(r.replies[0]!);
    // The OS fact is still missing, so the server asks again after reporting the error.
    expect(b.type).toBe(BatchType.SDATA);
    expect(paAttributesOf(b.messages[0]!.decoded)[0]).toMatchObject({ type: 'pa-tnc-error', code: 1 });
    expect(paAttributesOf(b.messages[1]!.decoded)[0]).toMatchObject({ type: 'attribute-request' });
  });

  test('a decide() that throws → fatal PB-Error Local Error and close', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(), decide: async () => Promise.reject(new Error('db down')) });
    await handshake(session, client);
    const r = await session.receive(client.firstCdata());
    expect(r.close).toBe(true);
    expect(pbErrorCode(r.replies[0])).toBe(PB_ERROR.LOCAL_ERROR);
  });
});

describe('hostile input: a protocol error and a close, never a throw', () => {
  const good = encodeBatch({ fromServer: false, type: BatchType.CDATA, messages: [] });
  const withLength = (n: number): Buffer => {
    const b = Buffer.from(good);
    b.writeUInt32BE(n, 4);
    return b;
  };
  const serverD = Buffer.from(good);
  serverD[1] = 0x80;
  const unknownNoskip = encodeBatch({ fromServer: false, type: BatchType.CDATA, messages: [{ noskip: true, vendor: 0, type: 99, body: new Uint8Array(0) }] });

  test.each([
    ['batch length too long', withLength(good.length + 1), PB_ERROR.INVALID_PARAMETER],
    ['batch length too short', withLength(good.length - 1), PB_ERROR.INVALID_PARAMETER],
    ['server D flag on a client batch', serverD, PB_ERROR.INVALID_PARAMETER],
    ['oversize batch', Buffer.alloc(4096), PB_ERROR.LOCAL_ERROR],
    ['unknown NOSKIP message type', unknownNoskip, PB_ERROR.UNSUPPORTED_MANDATORY_MESSAGE],
    ['SDATA from the client', encodeBatch({ fromServer: false, type: BatchType.SDATA, messages: [] }), PB_ERROR.UNEXPECTED_BATCH_TYPE],
    ['PB version 1', Buffer.from([1, 0, 0, 1, 0, 0, 0, 8]), PB_ERROR.VERSION_NOT_SUPPORTED],
  ])('%s → fatal PB-Error in a CLOSE batch', async (_name, bytes, code) => {
    const { session, client } = setup({ limits: { maxRoundTrips: 1, maxBatchBytes: 1024 } });
    await handshake(session, client);
    const r = await session.receive(client.rawBatch(bytes));
    expect(r.close).toBe(true);
    expect(r.replies).toHaveLength(1);
    expect(pbErrorCode(r.replies[0])).toBe(code);
  });

  test('an unknown skippable PB message is ignored', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>() });
    await handshake(session, client);
    const r = await session.receive(client.batch(BatchType.CDATA, [{ noskip: false, vendor: 0, type: 99, body: new Uint8Array(3) }]));
    expect(r.close).toBe(false);
    expect(serverBatchOf(r.replies[0]!).type).toBe(BatchType.RESULT);
  });

  test.each([
    ['Version Response with trailing bytes', { vendor: 0, type: 2, id: 9, body: new Uint8Array(7) }, PT_ERROR.MALFORMED_MESSAGE],
    ['truncated Version Request', { vendor: 0, type: 1, id: 9, body: new Uint8Array(2) }, PT_ERROR.MALFORMED_MESSAGE],
    ['SASL Result from the client', { vendor: 0, type: 6, id: 9, body: new Uint8Array(2) }, PT_ERROR.INVALID_MESSAGE],
  ])('%s → PT-TLS Error and close', async (_name, msg, code) => {
    const { session, client } = setup();
    await handshake(session, client);
    const r = await session.receive(msg);
    expect(r.close).toBe(true);
    expect(ptErrorCode(r.replies[0])).toBe(code);
  });

  test('garbage PT bodies after the version exchange never make receive() reject', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ vendor: fc.integer({ min: 0, max: 0xffffff }), type: fc.integer({ min: 0, max: 9 }), id: fc.nat(), body: fc.uint8Array({ maxLength: 256 }) }), { minLength: 1, maxLength: 4 }),
        async (msgs) => {
          const { session, client } = setup({ limits: { maxRoundTrips: 1, maxBatchBytes: 200 } });
          await handshake(session, client);
          for (const m of msgs) {
            const r = await session.receive(m);
            expect(Array.isArray(r.replies)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('well-formed batches of arbitrary PB messages never make receive() reject', async () => {
    const pbMsg = fc.record({ noskip: fc.boolean(), vendor: fc.constantFrom(0, 0, 0, 9586), type: fc.integer({ min: 0, max: 8 }), body: fc.uint8Array({ maxLength: 64 }) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(pbMsg, { maxLength: 5 }), async (type, messages) => {
        const { session, client } = setup();
        await handshake(session, client);
        const r = await session.receive(client.batch(type as 1, messages));
        expect(Array.isArray(r.replies)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

test('reply identifiers count up from 0 (RFC 6876: the sender numbers its own messages)', async () => {
  const { session, client } = setup();
  const r = await session.receive(client.versionRequest());
  expect(r.replies.map((m) => m.id)).toEqual([0, 1]);
});

describe('limits.maxBatches', () => {
  const limits = (maxBatches?: number) => ({ maxRoundTrips: 1, maxBatchBytes: 1 << 20, ...(maxBatches !== undefined ? { maxBatches } : {}) });

  test('reassessment (CRETRY) works within the limit; the batch after it is a fatal Local Error in a CLOSE batch', async () => {
    const { session, client, seen } = setup({ neededFacts: new Set<FactKey>(['os']), limits: limits(3) });
    await handshake(session, client);
    expect(serverBatchOf((await session.receive(client.firstCdata())).replies[0]!).type).toBe(BatchType.RESULT); // 1
    // The reassessment starts from fresh facts, so the server asks for the OS again.
    expect(serverBatchOf((await session.receive(client.batch(BatchType.CRETRY, []))).replies[0]!).type).toBe(BatchType.SDATA); // 2
    expect(serverBatchOf((await session.receive(client.batch(BatchType.CDATA, [client.osPa(debian12Attributes(), 2)]))).replies[0]!).type).toBe(BatchType.RESULT); // 3
    expect(seen).toHaveLength(2);
    const over = await session.receive(client.batch(BatchType.CRETRY, [])); // 4
    expect(over.close).toBe(true);
    expect(over.replies).toHaveLength(1);
    expect(pbErrorCode(over.replies[0])).toBe(PB_ERROR.LOCAL_ERROR);
    expect(seen).toHaveLength(2);
    // The session is over: nothing more is answered.
    expect(await session.receive(client.close())).toEqual({ replies: [], close: true });
  });

  test('a CLOSE once the budget is spent still ends politely', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os']), limits: limits(1) });
    await handshake(session, client);
    expect(serverBatchOf((await session.receive(client.firstCdata())).replies[0]!).type).toBe(BatchType.RESULT);
    const r = await session.receive(client.close());
    expect(r.close).toBe(true);
    expect(serverBatchOf(r.replies[0]!)).toMatchObject({ type: BatchType.CLOSE, messages: [] });
  });

  test.each([
    ['configured', 5, 5],
    ['absent: DEFAULT_MAX_BATCHES', undefined, DEFAULT_MAX_BATCHES],
  ])('%s: CRETRY spam while the client holds the turn is cut off after %s batches', async (_name, maxBatches, expected) => {
    const { session, client } = setup({ limits: limits(maxBatches) });
    await handshake(session, client);
    // Packages are needed: SDATA hands the turn to the client, where a CRETRY changes nothing.
    expect(serverBatchOf((await session.receive(client.firstCdata())).replies[0]!).type).toBe(BatchType.SDATA);
    for (let i = 2; i <= expected!; i++) expect(await session.receive(client.batch(BatchType.CRETRY, []))).toEqual({ replies: [], close: false });
    const over = await session.receive(client.batch(BatchType.CRETRY, []));
    expect(over.close).toBe(true);
    expect(pbErrorCode(over.replies[0])).toBe(PB_ERROR.LOCAL_ERROR);
  });
});

describe('IMV routing: a Kenneki agent next to a standard client', () => {
  const V = KENNEKI_VENDOR_ID;
  const agentFacts = (): PaAttribute[] => [
    encodeKennekiFact(V, 'firewall', { profiles: [{ name: 'Public', enabled: true }] }),
    encodeKennekiFact(V, 'diskEncryption', { systemVolumeProtected: true }),
  ];
  /** First CDATA of a Kenneki agent: its OS component (IETF attributes) and its Kenneki component. */
  const agentCdata = (client: TestClient, attrs = agentFacts()) =>
    client.batch(BatchType.CDATA, [client.languagePreference('en'), client.osPa(kennekiOsAttributes()), client.kennekiPa(attrs)]);
  const isolated = decisionOf('isolate', { quarantineAllow: [{ host: 'updates.example.com', protocol: 'tcp', ports: [443] }] });
  const pbPas = (m: PtMessage) => serverBatchOf(m).messages.filter((x) => x.decoded?.kind === 'pa');

  test('vendor attributes map into the same posture model, stamped kenneki-agent', async () => {
    const { session, client, seen } = setup({ neededFacts: new Set<FactKey>(['os', 'firewall']) });
    await handshake(session, client);
    const r = await session.receive(agentCdata(client));
    expect(serverBatchOf(r.replies[0]!).type).toBe(BatchType.RESULT);
    expect(seen[0]?.firewall).toEqual({ status: 'ok', value: { profiles: [{ name: 'Public', enabled: true }] }, collectedAt: '2024-05-01T00:00:00.000Z', source: 'kenneki-agent' });
    expect(seen[0]?.diskEncryption).toMatchObject({ status: 'ok', source: 'kenneki-agent' });
    expect(seen[0]?.os).toMatchObject({ status: 'ok', source: 'nea-ietf' });
  });

  test('RESULT carries the quarantine rules in a PB-PA to the Kenneki collector (EXCL, NOSKIP)', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os']), decision: isolated });
    await handshake(session, client);
    const r = await session.receive(agentCdata(client));
    const result = serverBatchOf(r.replies[0]!);
    expect(result.type).toBe(BatchType.RESULT);
    // The standard PB-PA first, then the agent's, then the usual PB messages.
    expect(result.messages.map((m) => [m.type, m.noskip])).toEqual([
      [PbMessageType.PA, true],
      [PbMessageType.PA, true],
      [PbMessageType.ASSESSMENT_RESULT, true],
      [PbMessageType.ACCESS_RECOMMENDATION, false],
      [PbMessageType.REASON_STRING, false],
    ]);
    const rules = result.messages[1]!.decoded;
    expect(rules).toMatchObject({ kind: 'pa', exclusive: true, paVendor: V, paSubtype: 1, collectorId: KENNEKI_COLLECTOR_ID });
    const [attr] = rawPaAttributesOf(rules);
    expect(attr).toMatchObject({ vendor: V, type: KENNEKI_ATTR.QUARANTINE_RULES, noskip: false });
    expect(decodeQuarantineRules(attr!)).toEqual({ verdict: 'isolate', allow: [{ host: 'updates.example.com', protocol: 'tcp', ports: [443] }] });
  });

  test('an allowed agent gets an empty allow list, so it lifts any quarantine', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os']), verdict: 'allow' });
    await handshake(session, client);
    const [, rules] = pbPas((await session.receive(agentCdata(client))).replies[0]!);
    expect(decodeQuarantineRules(rawPaAttributesOf(rules!.decoded)[0]!)).toEqual({ verdict: 'allow', allow: [] });
  });

  test('a standard OS-IMC client never sees the vendor attribute', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os']), decision: isolated });
    await handshake(session, client);
    const pas = pbPas((await session.receive(client.firstCdata())).replies[0]!);
    expect(pas).toHaveLength(1);
    expect(pas[0]!.decoded).toMatchObject({ paVendor: 0, paSubtype: 1, collectorId: OS_COLLECTOR_ID });
    expect(rawPaAttributesOf(pas[0]!.decoded).every((a) => a.vendor === 0)).toBe(true);
  });

  test('a missing vendor fact is asked of the Kenneki collector, an IETF one of the OS collector, in one SDATA', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os', 'packages', 'antivirus', 'firewall']) });
    await handshake(session, client);
    const sdata = serverBatchOf((await session.receive(agentCdata(client))).replies[0]!);
    expect(sdata.type).toBe(BatchType.SDATA);
    const [os, agent] = sdata.messages;
    expect(os!.decoded).toMatchObject({ kind: 'pa', exclusive: true, paVendor: 0, collectorId: OS_COLLECTOR_ID });
    expect(paAttributesOf(os!.decoded)).toEqual([{ type: 'attribute-request', attributes: [{ vendor: 0, type: 7 }] }]);
    expect(agent!.decoded).toMatchObject({ kind: 'pa', exclusive: true, paVendor: V, paSubtype: 1, collectorId: KENNEKI_COLLECTOR_ID });
    // The request itself is the IETF Attribute Request, naming the Kenneki type (firewall was sent).
    expect(paAttributesOf(agent!.decoded)).toEqual([{ type: 'attribute-request', attributes: [{ vendor: V, type: KENNEKI_ATTR.ANTIVIRUS }] }]);
  });

  test('a standard client is never asked for a vendor fact it cannot have', async () => {
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os', 'antivirus']) });
    await handshake(session, client);
    expect(serverBatchOf((await session.receive(client.firstCdata())).replies[0]!).type).toBe(BatchType.RESULT);
  });

  test.each([
    ['an unknown NOSKIP vendor attribute', { noskip: true, vendor: V, type: 999, value: new Uint8Array(0) }, 3],
    ['a vendor value failing its schema', { noskip: false, vendor: V, type: KENNEKI_ATTR.SECURE_BOOT, value: new TextEncoder().encode('"on"') }, 1],
  ])('%s earns a PA-TNC Error from the Kenneki validator; the rest goes on', async (_n, bad, code) => {
    const { session, client, seen } = setup({ neededFacts: new Set<FactKey>(['os']) });
    await handshake(session, client);
    const r = await session.receive(agentCdata(client, [...agentFacts(), bad]));
    expect(r.close).toBe(false);
    const b = serverBatchOf(r.replies[0]!);
    expect(b.messages[0]!.decoded).toMatchObject({ kind: 'pa', paVendor: V, collectorId: KENNEKI_COLLECTOR_ID });
    expect(paAttributesOf(b.messages[0]!.decoded)[0]).toMatchObject({ type: 'pa-tnc-error', code });
    // The whole Kenneki message is refused; the OS component still counts.
    expect(seen[0]?.firewall).toBeUndefined();
    expect(seen[0]?.os).toMatchObject({ status: 'ok' });
  });

  test('an unknown skippable vendor attribute is ignored', async () => {
    const { session, client, seen } = setup({ neededFacts: new Set<FactKey>(['os']) });
    await handshake(session, client);
    await session.receive(agentCdata(client, [...agentFacts(), { noskip: false, vendor: V, type: 999, value: new Uint8Array(0) }]));
    expect(seen[0]?.firewall).toMatchObject({ status: 'ok' });
  });

  test('the configured vendor id is the one listened to', async () => {
    const mine = 0x00abcd;
    const { session, client, seen } = setup({ neededFacts: new Set<FactKey>(['os']), vendorId: mine });
    await handshake(session, client);
    const batch = client.batch(BatchType.CDATA, [
      client.osPa(kennekiOsAttributes()),
      client.kennekiPa([encodeKennekiFact(KENNEKI_VENDOR_ID, 'secureBoot', true)], 1),
      client.kennekiPa([encodeKennekiFact(mine, 'firewall', { profiles: [] })], 2, mine),
    ]);
    const pas = pbPas((await session.receive(batch)).replies[0]!);
    expect(seen[0]?.secureBoot).toBeUndefined();
    expect(seen[0]?.firewall).toMatchObject({ status: 'ok', source: 'kenneki-agent' });
    expect(pas.map((p) => p.decoded)).toMatchObject([{ paVendor: 0 }, { paVendor: mine, collectorId: KENNEKI_COLLECTOR_ID }]);
  });
});

describe('server-initiated reassessment (SRETRY)', () => {
  /** A session through to RESULT on OS facts only, with a transport that records what it pushes. */
  async function decided(verdicts: Verdict[]) {
    const pushed: PtMessage[][] = [];
    const seen: PostureFacts[] = [];
    // Each decision returns the next verdict in the list, so the test sees the reassessment land.
    const decide = async (facts: PostureFacts) => {
      seen.push(facts);
      return decisionOf(verdicts[Math.min(seen.length - 1, verdicts.length - 1)]!);
    };
    const { session, client } = setup({ neededFacts: new Set<FactKey>(['os', 'ipForwarding']), decide });
    session.attach((m) => pushed.push(m));
    await handshake(session, client);
    expect(serverBatchOf((await session.receive(client.firstCdata())).replies[0]!).type).toBe(BatchType.RESULT);
    return { session, client, pushed, seen };
  }

  test('before any decision there is nothing to retry', async () => {
    const { session, client } = setup();
    session.attach(() => {});
    expect(await session.retry()).toBe(false);
    await handshake(session, client);
    expect(await session.retry()).toBe(false);
  });

  test('after RESULT: SRETRY then SDATA asking the collector for every needed fact; the fresh CDATA gets a new RESULT', async () => {
    const { session, client, pushed, seen } = await decided(['allow', 'isolate']);
    expect(await session.retry()).toBe(true);
    expect(pushed).toHaveLength(1);
    const [sretry, sdata] = pushed[0]!.map(serverBatchOf);
    expect(sretry!.type).toBe(BatchType.SRETRY);
    expect(sretry!.messages).toEqual([]);
    expect(sdata!.type).toBe(BatchType.SDATA);
    const pa = sdata!.messages[0]!.decoded;
    if (pa?.kind !== 'pa') throw new Error('expected a PB-PA');
    expect(pa.collectorId).toBe(OS_COLLECTOR_ID);
    const [request] = paAttributesOf(pa);
    if (request?.type !== 'attribute-request') throw new Error('expected an Attribute Request');
    // Everything the policy needs, since the earlier answers no longer count.
    expect(request.attributes.length).toBeGreaterThanOrEqual(2);
    // Only one reassessment at a time: a second request while the client works is refused.
    expect(await session.retry()).toBe(false);

    const again = await session.receive(client.batch(BatchType.CDATA, [client.osPa(debian12Attributes(), 2)]));
    const result = serverBatchOf(again.replies[0]!);
    expect(result.type).toBe(BatchType.RESULT);
    expect(result.messages.map((m) => m.decoded).find((d) => d?.kind === 'access-recommendation')).toEqual({ kind: 'access-recommendation', code: 3 });
    expect(seen).toHaveLength(2);
    expect(session.decision?.verdict).toBe('isolate');
    // Decided again: the server may ask once more.
    expect(await session.retry()).toBe(true);
  });

  test('a closed connection is never asked, and onClosed callbacks run once', async () => {
    const { session } = await decided(['allow']);
    let closed = 0;
    session.onClosed(() => closed++);
    session.transportClosed();
    session.transportClosed();
    expect(closed).toBe(1);
    expect(await session.retry()).toBe(false);
    // Registered after the close: runs at once.
    session.onClosed(() => closed++);
    expect(closed).toBe(2);
  });

  test('the client may answer the SRETRY with CLOSE', async () => {
    const { session, client } = await decided(['allow']);
    expect(await session.retry()).toBe(true);
    const r = await session.receive(client.close());
    expect(r.close).toBe(true);
    expect(serverBatchOf(r.replies[0]!).type).toBe(BatchType.CLOSE);
  });
});

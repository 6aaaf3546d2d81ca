import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { FactKey } from '../../posture/facts.js';
import { KENNEKI_VENDOR_ID } from '../pa/constants.js';
import { BatchType } from '../pb/batch.js';
import { SASL_RESULT } from '../pt/bodies.js';
import {
  KENNEKI_PT_TYPE,
  decodeEnrollmentResponse,
  encodeEnrollmentRequest,
  isEnrollmentResponse,
  type EnrollmentRequest,
  type EnrollmentResponse,
} from '../pt/kenneki-enrollment.js';
import type { PtMessage } from '../pt/message.js';
import { PT_ERROR } from '../wire-error.js';
import { TncsSession, type TncsSessionOptions } from './session.js';
import { TestClient, bodyOf, serverBatchOf } from './test-client.js';

const VENDOR = 61234;
const REQUEST: EnrollmentRequest = { secret: 's'.repeat(43), csr: '-----BEGIN CERTIFICATE REQUEST-----', machineId: 'm-1' };
const OK: EnrollmentResponse = { ok: true, tenantId: 't', endpointId: 'e', deviceId: 'm-1', certificate: 'C', caCertificate: 'CA', deviceCredential: 'kd_x' };

function setup(opts: Partial<TncsSessionOptions> = {}) {
  const requests: EnrollmentRequest[] = [];
  const session = new TncsSession({
    neededFacts: new Set<FactKey>(),
    decide: async () => ({ verdict: 'allow', monitoredVerdict: 'allow', reasons: [], remediation: [], trace: { evaluatedAt: '2024-05-01T00:00:00Z', checks: [], exceptions: [] } }),
    limits: { maxRoundTrips: 1, maxBatchBytes: 1 << 20 },
    vendorId: VENDOR,
    enroll: async (r) => {
      requests.push(r);
      return OK;
    },
    ...opts,
  });
  return { session, client: new TestClient(), requests };
}

const enrollMsg = (r: EnrollmentRequest = REQUEST, vendor = VENDOR): PtMessage => encodeEnrollmentRequest(vendor, r, 7);
const rawEnrollMsg = (body: Uint8Array, vendor = VENDOR): PtMessage => ({ vendor, type: KENNEKI_PT_TYPE.ENROLLMENT_REQUEST, id: 7, body });

const ptErrorCode = (m: PtMessage | undefined): number => {
  const b = bodyOf(m!);
  if (b.type !== 8) throw new Error(`expected PT-TLS Error, got ${b.type}`);
  return b.code;
};

describe('Enrollment Request', () => {
  test('right after the version exchange (no SASL): one Enrollment Response, then close', async () => {
    const { session, client, requests } = setup();
    await session.receive(client.versionRequest());
    const r = await session.receive(enrollMsg());
    expect(r.close).toBe(true);
    expect(r.replies).toHaveLength(1);
    expect(isEnrollmentResponse(r.replies[0]!, VENDOR)).toBe(true);
    expect(decodeEnrollmentResponse(r.replies[0]!)).toEqual(OK);
    expect(requests).toEqual([REQUEST]);
    // Closed: anything after is ignored.
    expect(await session.receive(client.firstCdata())).toEqual({ replies: [], close: true });
  });

  test('instead of a SASL selection, when SASL is offered', async () => {
    const { session, client, requests } = setup({ authenticate: async () => false });
    const v = await session.receive(client.versionRequest());
    expect(bodyOf(v.replies[1]!)).toEqual({ type: 3, names: ['PLAIN'] });
    const r = await session.receive(enrollMsg());
    expect(r.close).toBe(true);
    expect(decodeEnrollmentResponse(r.replies[0]!).ok).toBe(true);
    expect(requests).toHaveLength(1);
  });

  test('a refusal from the service travels as ok:false; a rejecting service becomes internal', async () => {
    const refusal: EnrollmentResponse = { ok: false, code: 'token-used', message: 'this token was already used at 2024-05-01T00:00:00.000Z: ask your administrator for a new one' };
    const a = setup({ enroll: async () => refusal });
    await a.session.receive(a.client.versionRequest());
    expect(decodeEnrollmentResponse((await a.session.receive(enrollMsg())).replies[0]!)).toEqual(refusal);

    const b = setup({
      enroll: async () => {
        throw new Error('database is on fire');
      },
    });
    await b.session.receive(b.client.versionRequest());
    const r = await b.session.receive(enrollMsg());
    expect(r.close).toBe(true);
    expect(decodeEnrollmentResponse(r.replies[0]!)).toMatchObject({ ok: false, code: 'internal' });
  });

  test.each([
    ['before the version exchange', async () => {}],
    [
      'after the first batch',
      async (s: TncsSession, c: TestClient) => {
        await s.receive(c.versionRequest());
        await s.receive(c.firstCdata());
      },
    ],
  ])('%s: not accepted (Type Not Supported, as before enrollment existed)', async (_name, before) => {
    const { session, client, requests } = setup();
    await before(session, client);
    const r = await session.receive(enrollMsg());
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.TYPE_NOT_SUPPORTED);
    expect(requests).toEqual([]);
  });

  test('after SASL succeeded but before any batch: still accepted (the token is the credential)', async () => {
    const { session, client, requests } = setup({ authenticate: async () => true });
    await session.receive(client.versionRequest());
    expect(bodyOf((await session.receive(client.plain('a', 'b'))).replies[0]!)).toEqual({ type: 6, code: SASL_RESULT.SUCCESS });
    const r = await session.receive(enrollMsg());
    expect(r.close).toBe(true);
    expect(requests).toHaveLength(1);
  });

  test('without the enroll option: Type Not Supported and the session carries on', async () => {
    const session = new TncsSession({ neededFacts: new Set<FactKey>(), decide: async () => ({}) as never, limits: { maxRoundTrips: 1, maxBatchBytes: 1 << 20 }, vendorId: VENDOR });
    const client = new TestClient();
    await session.receive(client.versionRequest());
    const r = await session.receive(enrollMsg());
    expect(r.close).toBe(false);
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.TYPE_NOT_SUPPORTED);
  });

  test('another vendor’s type 1 is not an Enrollment Request', async () => {
    const { session, client, requests } = setup();
    await session.receive(client.versionRequest());
    const r = await session.receive(enrollMsg(REQUEST, KENNEKI_VENDOR_ID));
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.TYPE_NOT_SUPPORTED);
    expect(requests).toEqual([]);
  });

  test.each([
    ['not JSON', Buffer.from('{nope')],
    ['not UTF-8', Buffer.from([0xff, 0xfe, 0x7b])],
    ['an unknown field', Buffer.from(JSON.stringify({ ...REQUEST, admin: true }))],
    ['no secret', Buffer.from(JSON.stringify({ csr: 'x' }))],
    ['too large', Buffer.alloc(64 * 1024 + 1, 0x20)],
  ])('a malformed body (%s): PT-TLS Invalid Parameter and close', async (_name, body) => {
    const { session, client, requests } = setup();
    await session.receive(client.versionRequest());
    const r = await session.receive(rawEnrollMsg(body));
    expect(r.close).toBe(true);
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.INVALID_PARAMETER);
    expect(requests).toEqual([]);
  });

  test('property: arbitrary bytes as the body never throw, and get a PT-TLS error and a close', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.json().map((j) => Buffer.from(j)), fc.string().map((s) => Buffer.from(s))), async (body) => {
        const { session, client, requests } = setup();
        await session.receive(client.versionRequest());
        const r = await session.receive(rawEnrollMsg(body));
        expect(r.close).toBe(true);
        expect(r.replies).toHaveLength(1);
        // Only a body that is a valid request reaches the service; none of these is.
        if (requests.length === 0) expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.INVALID_PARAMETER);
        else expect(isEnrollmentResponse(r.replies[0]!, VENDOR)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('enrollment-only sessions (mutual TLS, no verified certificate)', () => {
  function enrollmentOnly(opts: Partial<TncsSessionOptions> = {}) {
    const refused: string[] = [];
    const s = setup({ enrollmentOnly: { onRefused: (r) => refused.push(r) }, ...opts });
    return { ...s, refused };
  }

  test('may enroll', async () => {
    const { session, client, requests } = enrollmentOnly();
    expect(session.enrollmentOnly).toBe(true);
    await session.receive(client.versionRequest());
    const r = await session.receive(enrollMsg());
    expect(decodeEnrollmentResponse(r.replies[0]!).ok).toBe(true);
    expect(requests).toHaveLength(1);
  });

  test.each([
    ['a PB-TNC batch', (c: TestClient) => c.firstCdata()],
    ['a CLOSE batch', (c: TestClient) => c.batch(BatchType.CLOSE, [])],
    ['a SASL selection', (c: TestClient) => c.plain('alice', 'secret')],
  ])('%s is refused with PT-TLS Invalid Message, a close, and a logged refusal', async (_name, make) => {
    const decided: unknown[] = [];
    const { session, client, refused } = enrollmentOnly({
      authenticate: async () => true,
      decide: async (f) => {
        decided.push(f);
        return { verdict: 'allow', monitoredVerdict: 'allow', reasons: [], remediation: [], trace: { evaluatedAt: '', checks: [], exceptions: [] } };
      },
    });
    await session.receive(client.versionRequest());
    const r = await session.receive(make(client));
    expect(r.close).toBe(true);
    expect(ptErrorCode(r.replies[0])).toBe(PT_ERROR.INVALID_MESSAGE);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/no verified certificate, so this connection may only enroll/);
    expect(decided).toEqual([]);
  });

  test('a full session is not enrollment-only', () => {
    expect(setup().session.enrollmentOnly).toBe(false);
  });

  test('an ordinary session still assesses after the enroll option was added', async () => {
    const { session, client } = setup();
    await session.receive(client.versionRequest());
    const r = await session.receive(client.firstCdata());
    expect(serverBatchOf(r.replies[0]!).type).toBe(BatchType.RESULT);
  });
});

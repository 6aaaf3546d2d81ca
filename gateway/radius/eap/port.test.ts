/**
 * The conversation rules of the EAP port (State, identifiers, Nak, limits) and the TLS methods
 * against Node's own TLS client as the peer (a real TLS stack, in process), plus fast-check
 * properties: nothing a NAS sends makes handle() throw or succeed without proof.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { EAP_CODE, EAP_TYPE, decodeEap, encodeEap } from '../codec/eap.js';
import { nasProfile } from '../nas-profiles.js';
import type { EapAnswer, EapRequest } from '../server/eap-port.js';
import type { NasClient } from '../server/nas-clients.js';
import { mustRun } from '../../../simulations/peers/run-command.js';
import { createEapPort, type EapPortHandle, type EapPortOptions } from './index.js';
import { TLS_FLAGS, encodeTlsFragment, parseTlsFragment } from './tls-framing.js';
import { tlsTestWire } from './tls-test-wire.js';

let dir: string;
const pem: Record<string, string> = {};
const ports: EapPortHandle[] = [];
const log = pino({ level: 'silent' });

const nas = (name = 'sw-1'): NasClient => ({ name, tenantId: 'default', secret: Buffer.from('0123456789abcdef'), profile: nasProfile('generic')!, legacyNoMessageAuthenticator: false, coaPort: 3799, vlans: {} });
const req = (eap: Buffer, state?: Buffer, client = nas()): EapRequest => ({ client, eap, ...(state ? { state } : {}) });
const response = (id: number, type: number, data: Uint8Array = Buffer.alloc(0)) => encodeEap({ code: EAP_CODE.RESPONSE, identifier: id, type, data });
const identity = (name = 'alice', id = 7) => response(id, EAP_TYPE.IDENTITY, Buffer.from(name));

function portWith(o: Partial<EapPortOptions> = {}): EapPortHandle {
  const p = createEapPort({
    methods: ['tls', 'peap-mschapv2', 'ttls-pap', 'md5'],
    certPem: pem['server']! + pem['ca']!,
    keyPem: pem['server.key']!,
    clientCaPems: [pem['ca']!],
    kennekiCaPem: pem['ca']!,
    credentials: { checkPassword: async () => 'invalid', ntHash: async () => undefined, labPassword: async (_t, u) => (u === 'carol' ? 'lab' : undefined) },
    stateTimeoutMs: 30_000,
    maxRoundTrips: 50,
    fragmentBytes: 300,
    resumptionSeconds: 60,
    log,
    ...o,
  });
  ports.push(p);
  return p;
}

const port = portWith;

function challenge(a: EapAnswer): { state: Buffer; id: number; type: number; data: Buffer } {
  if (a.kind !== 'challenge') throw new Error(`expected a challenge, got ${JSON.stringify(a)}`);
  const p = decodeEap(a.eap);
  expect(p.code).toBe(EAP_CODE.REQUEST);
  return { state: a.state, id: p.identifier, type: p.type!, data: Buffer.from(p.data) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kenneki-eap-port-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await mustRun('openssl', ['req', '-x509', ...ec, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-subj', '/CN=Test CA', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  for (const [name, cn, eku] of [['server', 'radius.test', 'serverAuth'], ['client', 'dev-42', 'clientAuth']] as const) {
    await mustRun('openssl', ['req', '-new', ...ec, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', `/CN=${cn}`]);
    await writeFile(join(dir, `${name}.ext`), `extendedKeyUsage=${eku}\nbasicConstraints=CA:FALSE\n`);
    await mustRun('openssl', ['x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', join(dir, `${name}.pem`), '-days', '1', '-extfile', join(dir, `${name}.ext`)]);
  }
  for (const f of ['ca', 'server', 'client']) pem[f] = await readFile(join(dir, `${f}.pem`), 'utf8');
  for (const f of ['server', 'client']) pem[`${f}.key`] = await readFile(join(dir, `${f}.key`), 'utf8');
});

afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('conversations', () => {
  test('an Identity response starts one: a State of 16+ random bytes and the first enabled method in order', async () => {
    const c = challenge(await port({ methods: ['md5', 'ttls-pap'] }).handle(req(identity('alice', 7))));
    expect(c.state.length).toBeGreaterThanOrEqual(16);
    expect(c.id).toBe(8);
    expect(c.type).toBe(EAP_TYPE.TTLS);
    expect(c.data).toEqual(Buffer.from([TLS_FLAGS.START]));
  });

  test.each([
    ['tls first', ['md5', 'ttls-pap', 'peap-mschapv2', 'tls'], EAP_TYPE.TLS],
    ['then PEAP', ['md5', 'ttls-pap', 'peap-mschapv2'], EAP_TYPE.PEAP],
    ['md5 only when alone', ['md5'], EAP_TYPE.MD5_CHALLENGE],
  ] as const)('proposal order: %s', async (_n, methods, type) => {
    expect(challenge(await port({ methods }).handle(req(identity()))).type).toBe(type);
  });

  test('an EAP-Start (empty EAP-Message) gets an Identity request', async () => {
    const p = port();
    const c = challenge(await p.handle(req(Buffer.alloc(0))));
    expect(c.type).toBe(EAP_TYPE.IDENTITY);
    expect(challenge(await p.handle(req(identity('alice', c.id), c.state))).type).toBe(EAP_TYPE.TLS);
  });

  test('a Nak to the first request moves to the first enabled type the peer asks for; a disabled one is never used', async () => {
    const p = port({ methods: ['tls', 'md5'] });
    const first = challenge(await p.handle(req(identity('carol'))));
    const md5 = challenge(await p.handle(req(response(first.id, EAP_TYPE.NAK, Buffer.from([EAP_TYPE.PEAP, EAP_TYPE.MD5_CHALLENGE])), first.state)));
    expect(md5.type).toBe(EAP_TYPE.MD5_CHALLENGE);
    const again = challenge(await p.handle(req(identity('carol'))));
    const refused = await p.handle(req(response(again.id, EAP_TYPE.NAK, Buffer.from([EAP_TYPE.PEAP, EAP_TYPE.TTLS])), again.state));
    expect(refused.kind).toBe('failure');
    expect(refused.kind === 'failure' && decodeEap(refused.eap)).toMatchObject({ code: EAP_CODE.FAILURE, identifier: again.id });
  });

  test.each([
    ['no State and not an Identity response', () => req(response(1, EAP_TYPE.MD5_CHALLENGE, Buffer.alloc(17))), 'no-state'],
    ['an unknown State', () => req(identity(), Buffer.alloc(18, 1)), 'unknown-state'],
    ['bytes that are not EAP', () => req(Buffer.from([2, 1, 0, 99, 1])), 'malformed-eap'],
  ])('discarded: %s', async (_n, make, reason) => {
    expect(await port().handle(make())).toEqual({ kind: 'discard', reason });
  });

  test('a State answers only its NAS, only the identifier we sent, and only once (it rotates)', async () => {
    const p = port({ methods: ['md5'] });
    const c = challenge(await p.handle(req(identity('carol'))));
    const answer = response(c.id, EAP_TYPE.MD5_CHALLENGE, Buffer.concat([Buffer.from([16]), Buffer.alloc(16)]));
    expect(await p.handle(req(answer, c.state, nas('sw-other')))).toEqual({ kind: 'discard', reason: 'state-of-another-nas' });
    expect(await p.handle(req(response((c.id + 1) & 0xff, EAP_TYPE.MD5_CHALLENGE, Buffer.alloc(17)), c.state))).toEqual({ kind: 'discard', reason: 'unexpected-eap' });
    expect((await p.handle(req(answer, c.state))).kind).toBe('failure');
    expect(await p.handle(req(answer, c.state))).toEqual({ kind: 'discard', reason: 'unknown-state' });
    expect(p.stats().conversations).toBe(0);
  });

  test('an idle conversation expires', async () => {
    let t = 1_000_000;
    const p = port({ methods: ['md5'], now: () => t, stateTimeoutMs: 5000 });
    const c = challenge(await p.handle(req(identity('carol'))));
    t += 5001;
    expect(await p.handle(req(response(c.id, EAP_TYPE.MD5_CHALLENGE, Buffer.alloc(17)), c.state))).toEqual({ kind: 'discard', reason: 'expired-state' });
  });

  test('beyond maxConversations a new conversation is discarded', async () => {
    const p = port({ methods: ['md5'], maxConversations: 2 });
    challenge(await p.handle(req(identity('a'))));
    challenge(await p.handle(req(identity('b'))));
    expect(await p.handle(req(identity('c')))).toEqual({ kind: 'discard', reason: 'too-many-conversations' });
  });

  test('a peer that keeps sending fragments hits the round-trip limit: EAP-Failure', async () => {
    const p = port({ methods: ['tls'], maxRoundTrips: 5 });
    let c = challenge(await p.handle(req(identity())));
    let a: EapAnswer = { kind: 'discard', reason: '' };
    for (let i = 0; i < 10; i++) {
      a = await p.handle(req(response(c.id, EAP_TYPE.TLS, encodeTlsFragment(TLS_FLAGS.MORE, Buffer.alloc(100, 0x16))), c.state));
      if (a.kind !== 'challenge') break;
      c = challenge(a);
    }
    expect(a).toMatchObject({ kind: 'failure', reason: 'over 5 round trips' });
  });

  test('TLS garbage ends in EAP-Failure, never a throw', async () => {
    const p = port({ methods: ['peap-mschapv2'] });
    let c = challenge(await p.handle(req(identity())));
    let a = await p.handle(req(response(c.id, EAP_TYPE.PEAP, encodeTlsFragment(0, Buffer.from('GET / HTTP/1.1\r\n\r\n'))), c.state));
    // OpenSSL answers with an alert first; the peer's ACK of it ends the conversation.
    if (a.kind === 'challenge') {
      c = challenge(a);
      a = await p.handle(req(response(c.id, EAP_TYPE.PEAP, Buffer.from([0])), c.state));
    }
    expect(a.kind).toBe('failure');
  });
});

/** Runs EAP-TLS (or PEAP/TTLS up to the tunnel) with Node's TLS client as the peer. */
async function tlsPeer(p: EapPortHandle, o: { type: number; cert?: boolean; fragment?: number; session?: Buffer }): Promise<{ answer: EapAnswer; client: TLSSocket; session: () => Buffer | undefined }> {
  const { wire, take } = tlsTestWire();
  const client = connect({
    socket: wire,
    ca: pem['ca'],
    checkServerIdentity: () => undefined,
    maxVersion: 'TLSv1.2',
    ...(o.cert ? { cert: pem['client'], key: pem['client.key'] } : {}),
    ...(o.session ? { session: o.session } : {}),
  });
  client.on('error', () => {});
  let session: Buffer | undefined;
  client.on('session', (s: Buffer) => (session = s));
  const settle = async () => {
    for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
  };
  let c = challenge(await p.handle(req(identity('anonymous'))));
  let inbound: Buffer[] = [];
  for (let round = 0; round < 60; round++) {
    const f = parseTlsFragment(c.data)!;
    inbound.push(f.data);
    if (f.flags & TLS_FLAGS.MORE) {
      c = challenge(await p.handle(req(response(c.id, o.type, Buffer.from([0])), c.state)));
      continue;
    }
    const msg = Buffer.concat(inbound);
    inbound = [];
    if (msg.length > 0) wire.push(msg);
    await settle();
    const out = await take(0);
    // Our own fragments, L on the first, each but the last acknowledged by the server.
    const size = o.fragment ?? 100_000;
    let answer: EapAnswer | undefined;
    for (let at = 0; at < out.length || at === 0; at += size) {
      const part = out.subarray(at, at + size);
      const more = at + size < out.length;
      const frag = at === 0 && more ? encodeTlsFragment(TLS_FLAGS.MORE, part, out.length) : encodeTlsFragment(more ? TLS_FLAGS.MORE : 0, part);
      answer = await p.handle(req(response(c.id, o.type, frag), c.state));
      if (answer.kind !== 'challenge') return { answer, client, session: () => session };
      c = challenge(answer);
      if (more) expect(c.data).toEqual(Buffer.from([0]));
    }
  }
  throw new Error('no outcome after 60 rounds');
}

const exportWithoutContext = (s: TLSSocket, label: string): Buffer => (s.exportKeyingMaterial as unknown as (this: TLSSocket, n: number, l: string) => Buffer).call(s, 64, label);

/** Both TLS engines (tls-engine.ts) must behave the same to a peer. */
const ENGINES = ['native', 'node'] as const;

describe.each(ENGINES)('EAP-TLS against Node\'s TLS client, %s engine', (tlsEngine) => {
  const port = (o: Partial<EapPortOptions> = {}) => portWith({ tlsEngine, ...o });

  test('success: identity and device id from the CN, and the MSK equals the peer\'s RFC 5216 derivation; fragments both ways', async () => {
    const p = port({ methods: ['tls'], fragmentBytes: 200 });
    const { answer, client } = await tlsPeer(p, { type: EAP_TYPE.TLS, cert: true, fragment: 150 });
    expect(answer).toMatchObject({ kind: 'success', identity: 'dev-42', deviceId: 'dev-42', method: 'tls' });
    if (answer.kind !== 'success') throw new Error('unreachable');
    expect(answer.msk).toEqual(exportWithoutContext(client, 'client EAP encryption'));
    client.destroy();
  });

  test('without a client certificate: failure', async () => {
    const { answer, client } = await tlsPeer(port({ methods: ['tls'] }), { type: EAP_TYPE.TLS });
    expect(answer.kind).toBe('failure');
    client.destroy();
  });

  test('a device certificate from a CA that is trusted but is not Kenneki\'s names no device id', async () => {
    const p = port({ methods: ['tls'], kennekiCaPem: pem['server']! });
    const { answer, client } = await tlsPeer(p, { type: EAP_TYPE.TLS, cert: true });
    expect(answer).toMatchObject({ kind: 'success', identity: 'dev-42' });
    expect(answer.kind === 'success' && answer.deviceId).toBeUndefined();
    client.destroy();
  });

  test('a resumed session names the same device, and the MSK is the resumed session\'s', async () => {
    const p = port({ methods: ['tls'] });
    const first = await tlsPeer(p, { type: EAP_TYPE.TLS, cert: true });
    expect(first.answer.kind).toBe('success');
    const session = first.session();
    expect(session).toBeDefined();
    first.client.destroy();
    const again = await tlsPeer(p, { type: EAP_TYPE.TLS, cert: true, session: session! });
    expect(again.client.isSessionReused()).toBe(true);
    expect(again.answer).toMatchObject({ kind: 'success', identity: 'dev-42', deviceId: 'dev-42' });
    if (again.answer.kind !== 'success' || first.answer.kind !== 'success') throw new Error('unreachable');
    expect(again.answer.msk).toEqual(exportWithoutContext(again.client, 'client EAP encryption'));
    expect(again.answer.msk).not.toEqual(first.answer.msk);
    expect(p.stats()).toMatchObject({ fullHandshakes: 1, resumedHandshakes: 1 });
    again.client.destroy();
  });

  test('a client certificate from a CA that is not trusted: failure naming why', async () => {
    const p = port({ methods: ['tls'], clientCaPems: [pem['server']!] });
    const { answer, client } = await tlsPeer(p, { type: EAP_TYPE.TLS, cert: true });
    expect(answer).toMatchObject({ kind: 'failure', reason: expect.stringMatching(/client certificate not trusted: [A-Z_]+$/) });
    client.destroy();
  });

  test('PEAP and TTLS open their tunnel', async () => {
    for (const type of [EAP_TYPE.PEAP, EAP_TYPE.TTLS]) {
      const p = port({ methods: [type === EAP_TYPE.PEAP ? 'peap-mschapv2' : 'ttls-pap'] });
      const { answer, client } = await tlsPeer(p, { type });
      // The tunnel is up: the server's next word is the inner method's, not TLS's.
      expect(client.getProtocol()).toBe('TLSv1.2');
      expect(['challenge', 'failure']).toContain(answer.kind);
      client.destroy();
    }
  });
});

describe.each(ENGINES)('hostile input (properties), %s engine', (tlsEngine) => {
  const port = (o: Partial<EapPortOptions> = {}) => portWith({ tlsEngine, ...o });
  const kinds = new Set(['challenge', 'failure', 'discard']);

  test('random bytes as a first packet: never a throw, never a success', async () => {
    const p = port();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { nil: undefined }), async (bytes, state) => {
        const a = await p.handle(req(Buffer.from(bytes), state ? Buffer.from(state) : undefined));
        expect(kinds.has(a.kind)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('mutated responses inside a live TLS, PEAP or MD5 conversation: never a throw, never a success', async () => {
    const p = port({ maxConversations: 100_000 });
    const methods = [EAP_TYPE.TLS, EAP_TYPE.PEAP, EAP_TYPE.TTLS, EAP_TYPE.MD5_CHALLENGE];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom(0, 0x80, 0x40, 0xc0, 0x20, 0x01, 0xff),
        fc.boolean(),
        async (type, body, flags, rawLength) => {
          const first = challenge(await p.handle(req(identity('carol'))));
          const nak = type === EAP_TYPE.TLS ? first : challenge(await p.handle(req(response(first.id, EAP_TYPE.NAK, Buffer.from([type])), first.state)));
          const data = type === EAP_TYPE.MD5_CHALLENGE ? Buffer.from(body) : Buffer.concat([Buffer.from([flags]), rawLength ? Buffer.alloc(4, 0xff) : Buffer.alloc(0), body]);
          const eap = response(nak.id, type, data);
          // Sometimes also lie in the EAP Length field.
          if (body.length % 3 === 0 && eap.length > 4) eap.writeUInt16BE(eap.length + 1, 2);
          const a = await p.handle(req(eap, nak.state));
          expect(kinds.has(a.kind)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe.each(ENGINES)('configuration errors stop the start, %s engine', (tlsEngine) => {
  const port = (o: Partial<EapPortOptions> = {}) => portWith({ tlsEngine, ...o });
  test.each([
    ['no method', { methods: [] }, /no EAP method is enabled/],
    ['a key that is not PEM', { keyPem: 'not a key' }, /certificate, key or a client CA is unusable/],
    ['a key that does not match the certificate', { keyPem: '' }, /unusable/],
  ] as const)('%s', (_n, o, message) => {
    const withKey = 'keyPem' in o && o.keyPem === '' ? { keyPem: pem['client.key']! } : o;
    expect(() => port(withKey)).toThrow(message);
  });
});

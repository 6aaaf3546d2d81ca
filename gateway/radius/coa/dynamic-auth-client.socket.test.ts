/**
 * The client's own behaviour on the wire, against loopback UDP sockets this test controls: a NAS
 * that never answers, one that answers late, forges, or answers from elsewhere, and one that holds
 * every request so the Identifier space runs out. These are real sockets; only the NAS's
 * behaviour is scripted, because FreeRADIUS cannot be made to misbehave on purpose.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { RADIUS_CODE, attr, encodeResponse, getText, integerAttribute, verifyMessageAuthenticator, verifyRequestAuthenticator } from '../codec/index.js';
import { DynamicAuthClient } from './dynamic-auth-client.js';
import { IDENTIFIERS_PER_TARGET } from './identifiers.js';
import { ScriptedNas, answer, disconnect, md5, type Received } from './scripted-nas.js';
import type { DynamicAuthDropReason, SessionIdentity } from './types.js';

const SECRET = Buffer.from('kenneki-coa-socket-1');
const SESSION: SessionIdentity = { callingStationId: 'AA-BB-CC-DD-EE-FF', acctSessionId: 'kenneki-socket-1' };

const opened: ScriptedNas[] = [];
const clients: DynamicAuthClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const n of opened.splice(0)) n.close();
});

async function startNas(): Promise<ScriptedNas> {
  const nas = await ScriptedNas.start(SECRET);
  opened.push(nas);
  return nas;
}

function newClient(): { client: DynamicAuthClient; drops: DynamicAuthDropReason[]; finished: string[] } {
  const drops: DynamicAuthDropReason[] = [];
  const finished: string[] = [];
  const client = new DynamicAuthClient({ observer: { dropped: (r) => drops.push(r), finished: (s, r) => finished.push(`${s}:${r}`) } });
  clients.push(client);
  return { client, drops, finished };
}

describe('requests on the wire', () => {
  test.each(['disconnect', 'coa'] as const)('%s: Message-Authenticator first, both authenticators verify, Event-Timestamp and the session present', async (request) => {
    const nas = await startNas();
    nas.onRequest = (r) => nas.reply(r, answer(r, 'ack', SECRET));
    const { client } = newClient();
    const r = await client.send(nas.target([{ name: request, request, attributes: [{ name: 'Aruba-User-Role', value: 'quarantine' }] }]), SESSION);
    expect(r.outcome).toBe('acked');
    const [{ raw, packet }] = nas.received as [Received];
    expect(packet.code).toBe(request === 'coa' ? RADIUS_CODE.COA_REQUEST : RADIUS_CODE.DISCONNECT_REQUEST);
    expect(packet.attributes[0]!.type).toBe(attr('Message-Authenticator').type);
    expect(verifyMessageAuthenticator(raw, SECRET)).toBe(true);
    expect(verifyRequestAuthenticator(raw, SECRET)).toBe(true);
    expect(packet.attributes.filter((a) => a.type === attr('Event-Timestamp').type)).toHaveLength(1);
    expect(getText(packet, attr('Calling-Station-Id'))).toBe('AA-BB-CC-DD-EE-FF');
    expect(getText(packet, attr('Acct-Session-Id'))).toBe('kenneki-socket-1');
    expect(getText(packet, attr('Aruba-User-Role'))).toBe('quarantine');
    // Only the identity fields given are sent.
    expect(getText(packet, attr('User-Name'))).toBeUndefined();
  });

  test('retransmissions are the same bytes (Identifier and Authenticator), and the answer to a retransmission is accepted', async () => {
    const nas = await startNas();
    nas.onRequest = (r, n) => {
      if (n.received.length === 2) nas.reply(r, answer(r, 'ack', SECRET));
    };
    const { client } = newClient();
    const r = await client.send(nas.target(), SESSION, { timeoutMs: 100, retries: 2 });
    expect(r).toMatchObject({ outcome: 'acked', steps: [{ result: 'ack', attempts: 2 }] });
    expect(nas.received).toHaveLength(2);
    expect(nas.received[1]!.raw.equals(nas.received[0]!.raw)).toBe(true);
  });
});

describe('no answer', () => {
  test('a black-holed port: timeout after 1 + retries transmissions, then the next step, and the outcome is timeout', async () => {
    const nas = await startNas();
    const { client, finished } = newClient();
    const started = Date.now();
    const r = await client.send(nas.target([{ name: 'coa-reauthenticate', request: 'coa' }, disconnect]), SESSION, { timeoutMs: 80, retries: 2 });
    expect(r).toEqual({
      outcome: 'timeout',
      steps: [
        { step: 'coa-reauthenticate', result: 'timeout', attempts: 3 },
        { step: 'disconnect', result: 'timeout', attempts: 3 },
      ],
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 3 * 80 - 10);
    expect(nas.received).toHaveLength(6);
    expect(finished).toEqual(['coa-reauthenticate:timeout', 'disconnect:timeout']);
    // Each step is a new packet: a fresh Identifier (the old one may still have a late answer coming).
    expect(nas.received[3]!.packet.identifier).not.toBe(nas.received[0]!.packet.identifier);
  });

  test('close() ends pending sends with error, is idempotent, and later sends end in error without sending', async () => {
    const nas = await startNas();
    const { client } = newClient();
    const pending = client.send(nas.target([disconnect, disconnect]), SESSION, { timeoutMs: 10_000 });
    await nas.receivedAtLeast(1);
    await Promise.all([client.close(), client.close()]);
    expect(await pending).toEqual({ outcome: 'error', steps: [{ step: 'disconnect', result: 'error', attempts: 1, detail: 'client closed' }] });
    expect(await client.send(nas.target(), SESSION)).toEqual({ outcome: 'error', steps: [{ step: 'disconnect', result: 'error', attempts: 0, detail: 'client closed' }] });
    expect(nas.received).toHaveLength(1);
  });
});

describe('hostile and wrong answers', () => {
  test('forgeries, a wrong code and an answer from another port are dropped and counted; the real answer is then accepted', async () => {
    const nas = await startNas();
    const elsewhere = await startNas();
    const { client, drops } = newClient();
    nas.onRequest = (r) => {
      nas.reply(r, answer(r, 'ack', SECRET.subarray(1)));
      // Corrupt Message-Authenticator, then re-sign the Response Authenticator over the result:
      // only the HMAC check can catch this one.
      const forged = answer(r, 'ack', SECRET);
      forged[22]! ^= 0x01;
      forged.set(r.packet.authenticator, 4);
      forged.set(md5(forged, SECRET), 4);
      nas.reply(r, forged);
      nas.reply(r, encodeResponse({ code: RADIUS_CODE.COA_ACK, identifier: r.packet.identifier, attributes: [] }, r.packet.authenticator, SECRET));
      elsewhere.socket.send(answer(r, 'ack', SECRET), r.from.port, r.from.address);
      nas.reply(r, Buffer.from('not radius at all'));
      setTimeout(() => nas.reply(r, answer(r, 'nak', SECRET, [integerAttribute(attr('Error-Cause'), 503)])), 50);
    };
    const r = await client.send(nas.target(), SESSION, { timeoutMs: 2_000, retries: 0 });
    expect(r).toMatchObject({ outcome: 'naked', steps: [{ result: 'nak', errorCause: 503, errorCauseName: 'Session-Context-Not-Found', attempts: 1 }] });
    expect([...drops].sort()).toEqual(['bad-authenticator', 'bad-message-authenticator', 'malformed', 'no-request', 'wrong-code']);
  });

  test('an answer without Message-Authenticator is accepted when its Response Authenticator verifies (FreeRADIUS 3.2 sends none)', async () => {
    const nas = await startNas();
    nas.onRequest = (r) => nas.reply(r, encodeResponse({ code: RADIUS_CODE.DISCONNECT_ACK, identifier: r.packet.identifier, attributes: [] }, r.packet.authenticator, SECRET, { messageAuthenticator: false }));
    const { client, drops } = newClient();
    expect((await client.send(nas.target(), SESSION)).outcome).toBe('acked');
    expect(drops).toEqual([]);
  });

  test('a second answer after the exchange ended is dropped as no-request', async () => {
    const nas = await startNas();
    nas.onRequest = (r) => {
      nas.reply(r, answer(r, 'ack', SECRET));
      nas.reply(r, answer(r, 'ack', SECRET));
    };
    const { client, drops } = newClient();
    expect((await client.send(nas.target(), SESSION)).outcome).toBe('acked');
    await expect.poll(() => drops).toEqual(['no-request']);
  });
});

describe('Identifiers', () => {
  test(`${IDENTIFIERS_PER_TARGET} in flight per NAS at most, never one twice; further requests queue and all complete`, async () => {
    const nas = await startNas();
    const outstanding = new Map<number, Received>();
    const reused: number[] = [];
    let answering = false;
    nas.onRequest = (r) => {
      if (outstanding.has(r.packet.identifier)) reused.push(r.packet.identifier);
      outstanding.set(r.packet.identifier, r);
      if (answering) {
        outstanding.delete(r.packet.identifier);
        nas.reply(r, answer(r, 'ack', SECRET));
      }
    };
    const { client } = newClient();
    const total = IDENTIFIERS_PER_TARGET + 44;
    const sends = Array.from({ length: total }, () => client.send(nas.target(), SESSION, { timeoutMs: 10_000, retries: 0 }));
    await nas.receivedAtLeast(IDENTIFIERS_PER_TARGET);
    // Nothing beyond the 256th may arrive while all 256 are unanswered.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(nas.received).toHaveLength(IDENTIFIERS_PER_TARGET);
    expect(outstanding.size).toBe(IDENTIFIERS_PER_TARGET);
    answering = true;
    for (const [id, r] of outstanding) {
      outstanding.delete(id);
      nas.reply(r, answer(r, 'ack', SECRET));
    }
    const results = await Promise.all(sends);
    expect(results.filter((x) => x.outcome === 'acked')).toHaveLength(total);
    expect(nas.received).toHaveLength(total);
    expect(reused).toEqual([]);
  });

  test('beyond the queue bound a step fails clearly with error', async () => {
    const nas = await startNas();
    const client = new DynamicAuthClient({ maxQueuedPerTarget: 1 });
    clients.push(client);
    const held = Array.from({ length: IDENTIFIERS_PER_TARGET + 1 }, () => client.send(nas.target(), SESSION, { timeoutMs: 10_000 }));
    await nas.receivedAtLeast(IDENTIFIERS_PER_TARGET);
    const r = await client.send(nas.target(), SESSION);
    expect(r.outcome).toBe('error');
    expect(r.steps[0]!.detail).toMatch(/all 256 identifiers in flight and 1 requests queued/);
    await client.close();
    expect(new Set((await Promise.all(held)).map((x) => x.outcome))).toEqual(new Set(['error']));
  });
});


/**
 * The Dynamic Authorization client against a real NAS-side implementation: FreeRADIUS 3.2 acting
 * as a NAS on three loopback ports (see simulations/peers/freeradius-nas.ts). FreeRADIUS is
 * configured with require_message_authenticator, so every ACK here also proves that our
 * Message-Authenticator and Request Authenticator were computed the RFC 5176 way.
 * A missing freeradius fails the suite, naming the Debian package: a skipped peer test proves nothing.
 */
import { createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startFreeradiusNas, type FreeradiusNas } from '../../../simulations/peers/freeradius-nas.js';
import { RADIUS_CODE, attr, encodeRequest, textAttribute } from '../codec/index.js';
import { DynamicAuthClient } from './dynamic-auth-client.js';
import type { DynamicAuthDropReason, DynamicAuthStep, DynamicAuthTarget, SessionIdentity } from './types.js';

const SECRET = 'kenneki-coa-testing-1';

const disconnect: DynamicAuthStep = { name: 'disconnect', request: 'disconnect' };
const reauthenticate: DynamicAuthStep = { name: 'coa-reauthenticate', request: 'coa', attributes: [{ name: 'Cisco-AVPair', value: 'subscriber:command=reauthenticate' }] };
const bounce: DynamicAuthStep = { name: 'coa-bounce-port', request: 'coa', attributes: [{ name: 'Cisco-AVPair', value: 'subscriber:command=bounce-host-port' }] };

let nas: FreeradiusNas;
let client: DynamicAuthClient;
const drops: DynamicAuthDropReason[] = [];

beforeAll(async () => {
  nas = await startFreeradiusNas({ secret: SECRET });
  client = new DynamicAuthClient({ localAddress: '127.0.0.1', observer: { dropped: (r) => drops.push(r), finished: () => {} } });
});
afterAll(async () => {
  await client?.close();
  await nas?.stop();
});
afterEach(() => {
  // FreeRADIUS never sends anything we should refuse; a drop here is a bug on one side.
  expect(drops).toEqual([]);
});

let sessions = 0;
/** A session whose Acct-Session-Id is unique, so its request can be found in radiusd's log. */
function session(): SessionIdentity {
  sessions++;
  return { callingStationId: 'AA-BB-CC-DD-EE-FF', userName: 'aa:bb:cc:dd:ee:ff', acctSessionId: `kenneki-${process.pid}-${sessions}`, nasIpAddress: '127.0.0.1', nasPort: 10101 };
}

const target = (port: keyof FreeradiusNas['ports'], steps: readonly DynamicAuthStep[], secret = SECRET): DynamicAuthTarget => ({
  address: '127.0.0.1',
  port: nas.ports[port],
  secret: Buffer.from(secret),
  steps,
});

/**
 * Every line radiusd -X printed for the request(s) carrying this Acct-Session-Id: its lines are
 * prefixed "(N) " with the request number, and the attribute list includes the session id.
 */
async function loggedRequests(acctSessionId: string, count = 1): Promise<string[]> {
  const re = new RegExp(`^\\((\\d+)\\)\\s+Acct-Session-Id = "${acctSessionId}"$`, 'gm');
  await nas.waitForOutput(new RegExp(`(?:Acct-Session-Id = "${acctSessionId}"[\\s\\S]*){${count}}`));
  // The answer is logged after the attributes: wait for each request's "Sent" or drop line.
  const numbers = [...nas.output().matchAll(re)].map((m) => m[1]!);
  return Promise.all(
    numbers.map(async (n) => {
      await nas.waitForOutput(new RegExp(`^\\(${n}\\) (?:Sent|Finished|Cleaning)`, 'm'));
      return nas.output().split('\n').filter((l) => l.startsWith(`(${n}) `)).join('\n');
    }),
  );
}

describe('FreeRADIUS as the NAS', () => {
  test('Disconnect-Request → Disconnect-ACK; radiusd saw Message-Authenticator, Event-Timestamp and the session', async () => {
    const s = session();
    const r = await client.send(target('ack', [disconnect]), s);
    expect(r).toMatchObject({ outcome: 'acked', step: 'disconnect', steps: [{ step: 'disconnect', result: 'ack', attempts: 1 }] });
    expect(r.steps[0]!.rttMs).toBeGreaterThan(0);
    const [log] = await loggedRequests(s.acctSessionId!);
    expect(log).toMatch(/Received Disconnect-Request Id \d+ from 127\.0\.0\.1:\d+/);
    expect(log).toMatch(/Message-Authenticator = 0x[0-9a-f]{32}/);
    expect(log).toMatch(/Event-Timestamp = "/);
    expect(log).toContain('Calling-Station-Id = "AA-BB-CC-DD-EE-FF"');
    expect(log).toContain('User-Name = "aa:bb:cc:dd:ee:ff"');
    expect(log).toContain('NAS-IP-Address = 127.0.0.1');
    expect(log).toContain('NAS-Port = 10101');
    expect(log).toMatch(/Sent Disconnect-ACK Id \d+/);
    expect(nas.output()).not.toMatch(/invalid (Message-|Request )?Authenticator/i);
  });

  test('CoA-Request with a Cisco-AVPair command → CoA-ACK; the vendor attribute arrived as Cisco-AVPair', async () => {
    const s = session();
    const r = await client.send(target('ack', [reauthenticate, disconnect]), s);
    expect(r).toMatchObject({ outcome: 'acked', step: 'coa-reauthenticate', steps: [{ step: 'coa-reauthenticate', result: 'ack', attempts: 1 }] });
    const [log] = await loggedRequests(s.acctSessionId!);
    expect(log).toMatch(/Received CoA-Request Id \d+/);
    expect(log).toContain('Cisco-AVPair = "subscriber:command=reauthenticate"');
    expect(log).toMatch(/Message-Authenticator = 0x[0-9a-f]{32}/);
    expect(log).toMatch(/Sent CoA-ACK Id \d+/);
  });

  test('CoA-NAK (Unsupported-Service) → falls back to the next steps until the Disconnect is ACKed', async () => {
    const s = session();
    const r = await client.send(target('nakCoa', [reauthenticate, bounce, disconnect]), s);
    expect(r.outcome).toBe('acked');
    expect(r.step).toBe('disconnect');
    expect(r.steps).toMatchObject([
      { step: 'coa-reauthenticate', result: 'nak', errorCause: 405, errorCauseName: 'Unsupported-Service', attempts: 1 },
      { step: 'coa-bounce-port', result: 'nak', errorCause: 405, errorCauseName: 'Unsupported-Service', attempts: 1 },
      { step: 'disconnect', result: 'ack', attempts: 1 },
    ]);
    const logs = await loggedRequests(s.acctSessionId!, 3);
    expect(logs.map((l) => /Sent (\S+)/.exec(l)?.[1])).toEqual(['CoA-NAK', 'CoA-NAK', 'Disconnect-ACK']);
    expect(logs[1]).toContain('Cisco-AVPair = "subscriber:command=bounce-host-port"');
  });

  test('every step NAKed → outcome naked, each with its Error-Cause', async () => {
    const r = await client.send(target('nakAll', [reauthenticate, disconnect]), session());
    expect(r.outcome).toBe('naked');
    expect(r.step).toBeUndefined();
    expect(r.steps).toMatchObject([
      { step: 'coa-reauthenticate', result: 'nak', errorCause: 503, errorCauseName: 'Session-Context-Not-Found' },
      { step: 'disconnect', result: 'nak', errorCause: 503, errorCauseName: 'Session-Context-Not-Found' },
    ]);
  });

  test('a wrong secret: radiusd drops the request as an invalid Message-Authenticator → timeout after every retry', async () => {
    const s = session();
    const r = await client.send(target('ack', [disconnect], 'not-the-secret'), s, { timeoutMs: 150, retries: 2 });
    expect(r).toMatchObject({ outcome: 'timeout', steps: [{ step: 'disconnect', result: 'timeout', attempts: 3 }] });
    await nas.waitForOutput(/Dropping packet without response because of error: Received packet from 127\.0\.0\.1 with invalid Message-Authenticator!/);
  });

  test('radiusd enforces Message-Authenticator on this listener: a request without one is dropped (so our ACKs prove ours verified)', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const answers: Buffer[] = [];
    sock.on('message', (m) => answers.push(m));
    try {
      const attributes = [textAttribute(attr('Acct-Session-Id'), `kenneki-no-ma-${process.pid}`)];
      const noMa = encodeRequest({ code: RADIUS_CODE.DISCONNECT_REQUEST, identifier: 7, attributes }, SECRET, { messageAuthenticator: false });
      sock.send(noMa, nas.ports.ack, '127.0.0.1');
      await nas.waitForOutput(/Packet does not contain required Message-Authenticator attribute/);
      expect(answers).toEqual([]);
    } finally {
      sock.close();
    }
  });
});

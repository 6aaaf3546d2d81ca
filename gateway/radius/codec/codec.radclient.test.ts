/**
 * The codec against a real peer: FreeRADIUS's `radclient` (Debian package freeradius-utils) sends
 * to a UDP socket of ours, and we answer with packets our codec encoded and signed. This is what
 * caught the npm `radius` package's CoA ordering bug, so CoA is exercised here, not only in units.
 * A missing radclient fails the suite, naming the package: a silently skipped peer test proves
 * nothing.
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { getInteger, getText, taggedIntegerAttribute, taggedTextAttribute } from './attributes.js';
import { MESSAGE_AUTHENTICATOR, encodeResponse, hasMessageAuthenticator, verifyMessageAuthenticator, verifyRequestAuthenticator } from './authenticator.js';
import { SERVICE_TYPE, TUNNEL_MEDIUM_TYPE, TUNNEL_TYPE, attr } from './dictionary.js';
import { revealUserPassword } from './hiding.js';
import { normalizeMac } from './mac.js';
import { RADIUS_CODE, decodePacket, type RadiusPacket } from './packet.js';
import { settled } from '../../../simulations/peers/child-settled.js';

const RADCLIENT = '/usr/bin/radclient';
const SECRET = 'kenneki-testing-123';

interface Exchange {
  request: RadiusPacket;
  raw: Buffer;
}

let socket: Socket | undefined;
afterEach(() => {
  socket?.close();
  socket = undefined;
});

/**
 * Binds 127.0.0.1:0, answers each datagram with `reply(request)` (or nothing when it returns
 * undefined), runs radclient against it and resolves with its exit code, output and what we saw.
 * radclient's own -t/-r bound the run; the extra kill timer only guards against a hung peer.
 */
async function runRadclient(
  command: 'auth' | 'coa' | 'disconnect' | 'status',
  stdin: string,
  reply: (ex: Exchange, rinfo: RemoteInfo) => Buffer | undefined,
): Promise<{ code: number | null; output: string; seen: Exchange[] }> {
  const sock = createSocket('udp4');
  socket = sock;
  const seen: Exchange[] = [];
  const handlerErrors: unknown[] = [];
  sock.on('message', (raw, rinfo) => {
    try {
      const ex = { request: decodePacket(raw), raw: Buffer.from(raw) };
      seen.push(ex);
      const out = reply(ex, rinfo);
      if (out) sock.send(out, rinfo.port, rinfo.address);
    } catch (e) {
      handlerErrors.push(e);
    }
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const port = sock.address().port;
  const child = spawn(RADCLIENT, ['-x', '-t', '2', '-r', '1', `127.0.0.1:${port}`, command, SECRET], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(stdin);
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const { code } = await settled(child);
  clearTimeout(guard);
  // KENNEKI_RADCLIENT_LOG=1 shows what radclient printed, for checking its view of our packets.
  if (process.env['KENNEKI_RADCLIENT_LOG']) console.log(`radclient ${command} → exit ${code}\n${output}`);
  // Assertions inside the socket handler would be swallowed by dgram; surface them here.
  if (handlerErrors.length > 0) throw handlerErrors[0];
  return { code, output, seen };
}

beforeAll(() => {
  if (!existsSync(RADCLIENT)) throw new Error(`${RADCLIENT} not found: install the Debian package freeradius-utils (apt-get install freeradius-utils)`);
});

const MAB = 'User-Name = "aa:bb:cc:dd:ee:ff", User-Password = "aabbccddeeff", Message-Authenticator = 0x00, Service-Type = Call-Check\n';

const vlanAccept = (tag: number) => [
  taggedIntegerAttribute(attr('Tunnel-Type'), tag, TUNNEL_TYPE.VLAN),
  taggedIntegerAttribute(attr('Tunnel-Medium-Type'), tag, TUNNEL_MEDIUM_TYPE['IEEE-802']),
  taggedTextAttribute(attr('Tunnel-Private-Group-Id'), tag, '110'),
];

describe('radclient (FreeRADIUS) as the NAS', () => {
  test.each([1, 0])('MAB Access-Request → Access-Accept with VLAN 110, tag %i', async (tag) => {
    const r = await runRadclient('auth', MAB, ({ request, raw }) => {
      expect(request.code).toBe(RADIUS_CODE.ACCESS_REQUEST);
      expect(hasMessageAuthenticator(request.attributes)).toBe(true);
      expect(verifyMessageAuthenticator(raw, SECRET)).toBe(true);
      expect(verifyMessageAuthenticator(raw, 'wrong-secret')).toBe(false);
      expect(getText(request, attr('User-Name'))).toBe('aa:bb:cc:dd:ee:ff');
      expect(getInteger(request, attr('Service-Type'))).toBe(SERVICE_TYPE['Call-Check']);
      const hidden = request.attributes.find((a) => a.type === attr('User-Password').type)!.value;
      const password = revealUserPassword(hidden, SECRET, request.authenticator).toString();
      expect(password).toBe('aabbccddeeff');
      // MAB: User-Name and User-Password are the same MAC in two vendor spellings.
      expect(normalizeMac(password)).toBe(normalizeMac(getText(request, attr('User-Name'))!));
      const out = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: request.identifier, attributes: vlanAccept(tag) }, request.authenticator, SECRET);
      // Message-Authenticator first, whatever the caller passed.
      expect(decodePacket(out).attributes[0]!.type).toBe(attr('Message-Authenticator').type);
      return out;
    });
    expect(r.seen).toHaveLength(1);
    expect(r.output).toMatch(/Received Access-Accept Id \d+/);
    expect(r.output).not.toMatch(/invalid (Message-|Response )?Authenticator|verification failed/i);
    // radclient prints the tag even when it is 0: for the integers it is their first byte, and an
    // untagged Tunnel-Private-Group-Id (no tag byte on the wire) is shown as tag 0 as well.
    const t = `:${tag}`;
    expect(r.output).toContain(`Tunnel-Type${t} = VLAN`);
    expect(r.output).toContain(`Tunnel-Medium-Type${t} = IEEE-802`);
    expect(r.output).toContain(`Tunnel-Private-Group-Id${t} = "110"`);
    expect(r.code, r.output).toBe(0);
  });

  test('a response with a wrong Response Authenticator is refused by radclient', async () => {
    const r = await runRadclient('auth', MAB, ({ request }) => {
      const out = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: request.identifier, attributes: vlanAccept(1) }, request.authenticator, SECRET);
      out[4]! ^= 0x01;
      return out;
    });
    expect(r.output).toMatch(/Reply verification failed: Received Access-Accept packet .* with invalid Response Authenticator/);
    expect(r.output).not.toMatch(/^Received Access-Accept Id/m);
    expect(r.code, r.output).not.toBe(0);
  });

  test('a response with a forged Message-Authenticator (valid Response Authenticator) is refused by radclient', async () => {
    const r = await runRadclient('auth', MAB, ({ request }) => {
      const out = encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: request.identifier, attributes: vlanAccept(1) }, request.authenticator, SECRET);
      // Corrupt the HMAC, then re-sign the Response Authenticator over the corrupted packet, so
      // only Message-Authenticator checking can catch it.
      out[22]! ^= 0x01;
      out.set(request.authenticator, 4);
      out.set(createHash('md5').update(out).update(SECRET).digest(), 4);
      return out;
    });
    expect(r.output).toMatch(/invalid Message-Authenticator/i);
    expect(r.output).not.toMatch(/^Received Access-Accept Id/m);
    expect(r.code, r.output).not.toBe(0);
  });

  test('a response signed with the wrong secret is refused by radclient', async () => {
    const r = await runRadclient('auth', MAB, ({ request }) => encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: request.identifier, attributes: [] }, request.authenticator, 'not-the-secret'));
    expect(r.output).toMatch(/verification failed.*invalid (Message-|Response )?Authenticator/);
    expect(r.code, r.output).not.toBe(0);
  });

  test('CoA-Request: Message-Authenticator over the zeroed authenticator, then the MD5 request authenticator; CoA-ACK accepted', async () => {
    const stdin = 'User-Name = "aa:bb:cc:dd:ee:ff", Calling-Station-Id = "AA-BB-CC-DD-EE-FF", Acct-Session-Id = "kenneki-1", Message-Authenticator = 0x00\n';
    const r = await runRadclient('coa', stdin, ({ request, raw }) => {
      expect(request.code).toBe(RADIUS_CODE.COA_REQUEST);
      expect(hasMessageAuthenticator(request.attributes)).toBe(true);
      expect(verifyRequestAuthenticator(raw, SECRET)).toBe(true);
      expect(verifyMessageAuthenticator(raw, SECRET)).toBe(true);
      expect(verifyRequestAuthenticator(raw, 'wrong-secret')).toBe(false);
      expect(verifyMessageAuthenticator(raw, 'wrong-secret')).toBe(false);
      // The Access-Request way (HMAC over the authenticator as sent) must NOT match: this is the
      // ordering the npm package got wrong.
      const asAccessRequest = Buffer.from(raw);
      const ma = request.attributes.findIndex((a) => a.type === MESSAGE_AUTHENTICATOR);
      const maAt = 20 + request.attributes.slice(0, ma).reduce((n, a) => n + 2 + a.value.length, 0) + 2;
      asAccessRequest.fill(0, maAt, maAt + 16);
      expect(createHmac('md5', SECRET).update(asAccessRequest).digest().equals(raw.subarray(maAt, maAt + 16))).toBe(false);
      expect(getText(request, attr('Calling-Station-Id'))).toBe('AA-BB-CC-DD-EE-FF');
      return encodeResponse({ code: RADIUS_CODE.COA_ACK, identifier: request.identifier, attributes: [] }, request.authenticator, SECRET);
    });
    expect(r.seen).toHaveLength(1);
    expect(r.output).toMatch(/Received CoA-ACK Id \d+/);
    expect(r.code, r.output).toBe(0);
  });

  test('Disconnect-Request → Disconnect-ACK', async () => {
    const r = await runRadclient('disconnect', 'User-Name = "aa:bb:cc:dd:ee:ff", Message-Authenticator = 0x00\n', ({ request, raw }) => {
      expect(request.code).toBe(RADIUS_CODE.DISCONNECT_REQUEST);
      expect(verifyRequestAuthenticator(raw, SECRET)).toBe(true);
      expect(verifyMessageAuthenticator(raw, SECRET)).toBe(true);
      return encodeResponse({ code: RADIUS_CODE.DISCONNECT_ACK, identifier: request.identifier, attributes: [] }, request.authenticator, SECRET);
    });
    expect(r.output).toMatch(/Received Disconnect-ACK Id \d+/);
    expect(r.code, r.output).toBe(0);
  });

  test('Status-Server with Message-Authenticator → Access-Accept (RFC 5997)', async () => {
    const r = await runRadclient('status', 'Message-Authenticator = 0x00\n', ({ request, raw }) => {
      expect(request.code).toBe(RADIUS_CODE.STATUS_SERVER);
      expect(verifyMessageAuthenticator(raw, SECRET)).toBe(true);
      expect(verifyMessageAuthenticator(raw, 'wrong-secret')).toBe(false);
      return encodeResponse({ code: RADIUS_CODE.ACCESS_ACCEPT, identifier: request.identifier, attributes: [] }, request.authenticator, SECRET);
    });
    expect(r.output).toMatch(/Received Access-Accept Id \d+/);
    expect(r.code, r.output).toBe(0);
  });

  test('our decode of what radclient sent matches what it printed', async () => {
    const r = await runRadclient('auth', MAB, ({ request }) =>
      encodeResponse({ code: RADIUS_CODE.ACCESS_REJECT, identifier: request.identifier, attributes: [] }, request.authenticator, SECRET),
    );
    const sent = r.output.match(/Sent Access-Request Id (\d+) .* length (\d+)/);
    expect(sent, r.output).not.toBeNull();
    expect(r.seen[0]!.request.identifier).toBe(Number(sent![1]));
    expect(r.seen[0]!.raw.length).toBe(Number(sent![2]));
    expect(r.output).toMatch(/Received Access-Reject/);
  });
});

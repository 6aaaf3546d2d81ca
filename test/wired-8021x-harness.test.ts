/**
 * The wired 802.1X harness against a real RADIUS server: FreeRADIUS with a minimal EAP-MD5 config
 * stands in for Kenneki, so this proves the harness (hostapd + wpa_supplicant on a veth pair), not
 * Kenneki. Later tests point the same harness at Kenneki's RADIUS server.
 *
 * Needs root and the Debian packages hostapd, wpasupplicant, freeradius, freeradius-utils.
 */
import { runCommand } from '../simulations/peers/run-command.js';
import { lastAccessAcceptIn, parseRadiusDump, requireWired8021x, startWiredPort, type WiredPort, type WiredPortOptions } from './helpers/wired-8021x.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { freeUdpPorts } from '../simulations/peers/free-ports.js';

const FREERADIUS = '/usr/sbin/freeradius';
const RADCLIENT = '/usr/bin/radclient';
const RADIUS_SECRET = 'radius-Secret-1';
const DAS_SECRET = 'das-Secret-1';
const USER = { name: 'bob', password: 'bob-Secret-1', vlan: '42' };

function requirePeers(): void {
  requireWired8021x();
  const missing = [
    { path: FREERADIUS, pkg: 'freeradius' },
    { path: RADCLIENT, pkg: 'freeradius-utils' },
  ].filter((b) => !existsSync(b.path));
  if (missing.length > 0) throw new Error(`${missing.map((b) => b.path).join(', ')} not found: install the Debian package(s) ${missing.map((b) => b.pkg).join(' ')}`);
}


/**
 * The smallest raddb that does EAP-MD5 from a users file: no stock config, no TLS, no
 * accounting. Tunnel attributes in the reply show up in hostapd's -dd dump.
 */
function writeRaddb(dir: string, port: number): void {
  writeFileSync(join(dir, 'dictionary'), '$INCLUDE /usr/share/freeradius/dictionary\n');
  writeFileSync(
    join(dir, 'users'),
    `${USER.name} Cleartext-Password := "${USER.password}"\n` +
      `    Tunnel-Type = VLAN,\n    Tunnel-Medium-Type = IEEE-802,\n    Tunnel-Private-Group-Id = "${USER.vlan}"\n`,
  );
  writeFileSync(
    join(dir, 'radiusd.conf'),
    `prefix = /usr
localstatedir = ${dir}
logdir = ${dir}
run_dir = ${dir}
raddbdir = ${dir}
libdir = /usr/lib/freeradius
pidfile = ${join(dir, 'radiusd.pid')}
max_request_time = 5
cleanup_delay = 1
max_requests = 1024
log {
  destination = stdout
  auth = yes
}
security {
  allow_core_dumps = no
}
client local {
  ipaddr = 127.0.0.1
  secret = ${RADIUS_SECRET}
}
modules {
  eap {
    default_eap_type = md5
    timer_expire = 60
    max_sessions = 1024
    md5 {
    }
  }
  files {
    filename = ${join(dir, 'users')}
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${port}
  }
  authorize {
    eap {
      ok = return
    }
    files
  }
  authenticate {
    eap
  }
}
`,
  );
}

let raddb: string;
let radiusPort: number;
let freeradius: ChildProcess | undefined;
let freeradiusExited: Promise<void> = Promise.resolve();
let freeradiusOut = '';
const ports: WiredPort[] = [];

async function port(o: Omit<WiredPortOptions, 'radius'>): Promise<WiredPort> {
  const p = await startWiredPort({ radius: { address: '127.0.0.1', port: radiusPort, secret: RADIUS_SECRET }, ...o });
  ports.push(p);
  return p;
}

function md5(password: string): string[] {
  return ['eap=MD5', `identity="${USER.name}"`, `password="${password}"`];
}

/** `radclient disconnect|coa` with the given attribute lines; one try, 1 s timeout. */
async function das(kind: 'disconnect' | 'coa', dasPort: number, lines: string[]): Promise<{ code: number | null; output: string }> {
  const r = await runCommand(RADCLIENT, ['-x', '-r', '1', '-t', '1', `127.0.0.1:${dasPort}`, kind, DAS_SECRET], { input: lines.join('\n') + '\n', timeoutMs: 10_000 });
  return { code: r.code, output: r.stdout + r.stderr };
}

beforeAll(async () => {
  requirePeers();
  raddb = mkdtempSync(join(tmpdir(), 'kenneki-raddb-'));
  [radiusPort] = (await freeUdpPorts(1)) as [number];
  writeRaddb(raddb, radiusPort);
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', FREERADIUS, '-f', '-d', raddb, '-l', 'stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  freeradius = child;
  freeradiusExited = new Promise((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`freeradius not ready after 15 s:\n${freeradiusOut}`)), 15_000);
    const onData = (d: Buffer) => {
      freeradiusOut += d.toString('utf8');
      if (freeradiusOut.includes('Ready to process requests')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void freeradiusExited.then(() => {
      clearTimeout(timer);
      reject(new Error(`freeradius exited during start-up:\n${freeradiusOut}`));
    });
  });
});

afterEach(async () => {
  await Promise.all(ports.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  if (freeradius !== undefined && freeradius.exitCode === null && freeradius.signalCode === null) freeradius.kill('SIGTERM');
  await freeradiusExited;
  if (raddb !== undefined) rmSync(raddb, { recursive: true, force: true });
});

describe('wired 802.1X port: hostapd (driver=wired) + wpa_supplicant on a veth pair', () => {
  test('the right password authorizes the port, and the dump shows what RADIUS sent', async () => {
    const p = await port({ supplicant: md5(USER.password) });
    await p.waitForAuthorized(15_000);

    expect(p.hostapdLog()).toContain(`AP-STA-CONNECTED ${p.supplicantMac}`);
    const accept = p.lastAccessAccept();
    expect(accept).toMatchObject({ tunnelPrivateGroupId: USER.vlan, tunnelType: 13, tunnelMediumType: 6 });
    expect(accept?.message.get('User-Name')?.value).toBe(USER.name);

    const request = p.radiusMessages().find((m) => m.codeName === 'Access-Request');
    expect(request?.get('Calling-Station-Id')?.value).toBe(p.callingStationId);
    expect(request?.get('Called-Station-Id')?.value).toBe(p.calledStationId);
    expect(request?.get('NAS-Port-Type')?.value).toBe('19');
    expect(request?.get('NAS-Identifier')?.value).toBe(p.nasIdentifier);
    expect(request?.get('NAS-IP-Address')?.value).toBe(p.nasIpAddress);
    expect(request?.get('Message-Authenticator')).toBeDefined();
  });

  test('a wrong password gets EAP-Failure and the port stays unauthorized', async () => {
    const p = await port({ supplicant: md5('not-the-password') });
    await p.waitFor('supplicant', /CTRL-EVENT-EAP-FAILURE/, 15_000);
    // The supplicant only hears of the failure after hostapd has handled the Reject.
    await p.waitFor('hostapd', /code=3 \(Access-Reject\)/, 1_000);

    expect(p.hostapdLog()).not.toContain('AP-STA-CONNECTED');
    expect(p.supplicantLog()).not.toContain('CTRL-EVENT-EAP-SUCCESS');
    expect(p.lastAccessAccept()).toBeUndefined();
  });

  test('strict DAS: a Disconnect-Request is ACKed and deauthorizes; reauthenticate authorizes again', async () => {
    const [dasPort] = (await freeUdpPorts(1)) as [number];
    const p = await port({
      supplicant: md5(USER.password),
      das: { port: dasPort, clientAddress: '127.0.0.1', secret: DAS_SECRET, requireMessageAuthenticator: true, requireEventTimestamp: true },
    });
    await p.waitForAuthorized(15_000);
    // hostapd sends the MAC uppercase; it matches a DAS request's case-insensitively.
    const callingStationId = `Calling-Station-Id = "${p.callingStationId.toLowerCase()}"`;
    const messageAuthenticator = 'Message-Authenticator = 0x00'; // radclient fills it in
    const eventTimestamp = () => `Event-Timestamp = ${Math.floor(Date.now() / 1000)}`;

    // Strict mode drops a request lacking either attribute, without answering.
    const [noTimestamp, noAuthenticator] = await Promise.all([
      das('disconnect', dasPort, [callingStationId, messageAuthenticator]),
      das('disconnect', dasPort, [callingStationId, eventTimestamp()]),
    ]);
    for (const dropped of [noTimestamp, noAuthenticator]) {
      expect(dropped.code).not.toBe(0);
      expect(dropped.output).toMatch(/No reply/);
    }
    expect(p.hostapdLog()).toMatch(/DAS: Missing Event-Timestamp in packet from 127\.0\.0\.1:\d+ - drop/);
    expect(p.hostapdLog()).toMatch(/DAS: Invalid authenticator or Message-Authenticator in packet from 127\.0\.0\.1:\d+ - drop/);
    expect(p.hostapdLog()).not.toContain('AP-STA-DISCONNECTED');

    // hostapd's DAS does Disconnect only: every CoA-Request is NAKed, the session left alone.
    const coa = await das('coa', dasPort, [callingStationId, eventTimestamp(), messageAuthenticator]);
    expect(coa.output).toMatch(/Received CoA-NAK/);
    expect(coa.output).toMatch(/Error-Cause = (Unsupported-Attribute|Missing-Attribute)/);
    expect(p.hostapdLog()).not.toContain('AP-STA-DISCONNECTED');

    const acked = await das('disconnect', dasPort, [callingStationId, eventTimestamp(), messageAuthenticator]);
    expect(acked.output).toMatch(/Received Disconnect-ACK/);
    expect(acked.code).toBe(0);
    await p.waitFor('hostapd', new RegExp(`AP-STA-DISCONNECTED ${p.supplicantMac}`), 2_000);

    const since = p.mark();
    await p.reauthenticate();
    await p.waitForAuthorized({ since, timeoutMs: 5_000 });
  });
});

describe("reading hostapd's -dd RADIUS dump", () => {
  // Verbatim shape of hostapd 2.10's dump (radius_msg_dump), with a debug line before and after.
  const dump = (tpgi: string, tunnelType = '0000000d') =>
    [
      'kxa: RADIUS Received RADIUS message',
      'RADIUS message: code=2 (Access-Accept) identifier=7 length=65',
      '   Attribute 64 (Tunnel-Type) length=6',
      `      Value: ${tunnelType}`,
      '   Attribute 65 (Tunnel-Medium-Type) length=6',
      '      Value: 00000006',
      `   Attribute 81 (Tunnel-Private-Group-Id) length=${2 + tpgi.length / 2}`,
      `      Value: ${tpgi}`,
      '   Attribute 80 (Message-Authenticator) length=18',
      '      Value: 32858fb22a6d2c1a698437581c02762b',
      '   Attribute 1 (User-Name) length=5',
      "      Value: 'bob'",
      'kxa: STA 02:00:00:00:00:01 RADIUS: Received RADIUS packet matched with a pending request',
      '',
    ].join('\n');

  test.each([
    { case: 'untagged', tpgi: '3432', vlan: '42', tunnelType: '0000000d', type: 13 },
    { case: 'tag 1', tpgi: '013432', vlan: '42', tunnelType: '0100000d', type: 13 },
    { case: 'tag 0 sent anyway', tpgi: '00313030', vlan: '100', tunnelType: '0000000d', type: 13 },
    { case: 'a VLAN name', tpgi: '7374616666', vlan: 'staff', tunnelType: '0000000d', type: 13 },
  ])('Tunnel attributes: $case', ({ tpgi, vlan, tunnelType, type }) => {
    const accept = lastAccessAcceptIn(dump(tpgi, tunnelType));
    expect(accept).toMatchObject({ tunnelPrivateGroupId: vlan, tunnelType: type, tunnelMediumType: 6 });
    expect(accept?.message).toMatchObject({ code: 2, codeName: 'Access-Accept', identifier: 7 });
    expect(accept?.message.get('User-Name')?.value).toBe('bob');
    expect(accept?.message.attributes).toHaveLength(5);
  });

  test('the last Accept wins, and a log without one has none', () => {
    expect(parseRadiusDump(dump('3131') + dump('3232'))).toHaveLength(2);
    expect(lastAccessAcceptIn(dump('3131') + dump('3232'))?.tunnelPrivateGroupId).toBe('22');
    expect(lastAccessAcceptIn('RADIUS message: code=3 (Access-Reject) identifier=1 length=20\n')).toBeUndefined();
  });
});

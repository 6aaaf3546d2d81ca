import { connect, createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanLeafCertificate } from './client-certificate.js';
import { NodeTlsEngine } from './node-tls-engine.js';
import { selfSignedCertificate, tlsTestWire } from './tls-test-wire.js';

/** TLS records: each fragment of `body` (split at `cuts`) in a record of `type`. */
function records(type: number, body: Buffer, cuts: number[] = []): Buffer {
  const points = [0, ...cuts.filter((c) => c > 0 && c < body.length).sort((a, b) => a - b), body.length];
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const frag = body.subarray(points[i], points[i + 1]);
    const h = Buffer.from([type, 3, 3, 0, 0]);
    h.writeUInt16BE(frag.length, 3);
    out.push(h, frag);
  }
  return Buffer.concat(out);
}

function handshake(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([h, body]);
}

function certificateMessage(certs: Buffer[]): Buffer {
  const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
  return handshake(11, Buffer.concat([u24(list.length), list]));
}

function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

describe('scanLeafCertificate', () => {
  it('reads the leaf a real TLS 1.2 client sends, and finds none in its ClientHello', async () => {
    const server = await selfSignedCertificate('server');
    const client = await selfSignedCertificate('device-leaf');
    const engine = new NodeTlsEngine({ secureContext: createSecureContext({ cert: server.pem, key: server.key, ca: [client.pem], minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), requestCert: true });
    const { wire, take } = tlsTestWire();
    const socket = connect({ socket: wire, rejectUnauthorized: false, cert: client.pem, key: client.key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    const hello = await take();
    expect(scanLeafCertificate(hello)).toEqual({ kind: 'none' });
    wire.push((await engine.receive(hello)).out);
    const second = await take();
    const scan = scanLeafCertificate(second);
    expect(scan.kind).toBe('leaf');
    if (scan.kind === 'leaf') {
      expect(scan.der.equals(client.der)).toBe(true);
      expect(new X509Certificate(scan.der).subject).toBe('CN=device-leaf');
    }
    // And it is the certificate OpenSSL took: the handshake completes and the peer is that one.
    const done = await engine.receive(second);
    expect(done.secure).toBe(true);
    expect(engine.socket.getPeerX509Certificate()?.raw.equals(client.der)).toBe(true);
    // The engine's cheap leaf is the wire's copy, and the same bytes.
    expect(engine.peer.leaf()?.equals(client.der)).toBe(true);
    socket.destroy();
    engine.destroy();
  });

  it('reads the leaf however the handshake is cut into records, and ignores what follows ChangeCipherSpec', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(fc.nat(2000), { maxLength: 6 }), fc.uint8Array({ maxLength: 64 }), (leaf, chain, cuts, after) => {
        const hs = Buffer.concat([certificateMessage([Buffer.from(leaf), Buffer.from(chain)]), handshake(16, Buffer.from([0, 1, 2]))]);
        // After ChangeCipherSpec, bytes are encrypted: even a lookalike Certificate there is not read.
        const flight = Buffer.concat([records(22, hs, cuts), records(20, Buffer.from([1])), records(22, Buffer.concat([certificateMessage([Buffer.from(after.length ? after : [9])])]))]);
        const scan = scanLeafCertificate(flight);
        expect(scan.kind).toBe('leaf');
        if (scan.kind === 'leaf') expect(scan.der.equals(Buffer.from(leaf))).toBe(true);
      }),
    );
  });

  it('never reads a wrong certificate from a truncated or corrupted flight, and never throws', () => {
    const leaf = Buffer.alloc(200, 7);
    const flight = records(22, Buffer.concat([certificateMessage([leaf]), handshake(16, Buffer.alloc(33, 1))]));
    fc.assert(
      fc.property(fc.nat(flight.length - 1), (cut) => {
        const scan = scanLeafCertificate(flight.subarray(0, cut));
        expect(scan.kind === 'leaf' ? scan.der.equals(leaf) : true).toBe(true);
        if (cut < flight.length && cut > 0) expect(scan.kind).not.toBe('leaf');
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const scan = scanLeafCertificate(Buffer.from(bytes));
        expect(['none', 'leaf', 'unreadable']).toContain(scan.kind);
      }),
    );
  });

  it('refuses two Certificate messages, lengths that do not add up, and oversized records', () => {
    const a = Buffer.alloc(50, 1);
    expect(scanLeafCertificate(records(22, Buffer.concat([certificateMessage([a]), certificateMessage([a])]))).kind).toBe('unreadable');
    const bad = certificateMessage([a]);
    bad.writeUIntBE(99, 4, 3); // certificate_list length ≠ message length − 3
    expect(scanLeafCertificate(records(22, bad)).kind).toBe('unreadable');
    const huge = Buffer.from([22, 3, 3, 0x40, 0x01]);
    expect(scanLeafCertificate(Buffer.concat([huge, Buffer.alloc(0x4001)])).kind).toBe('unreadable');
    expect(scanLeafCertificate(records(22, certificateMessage([]))).kind).toBe('none');
  });
});

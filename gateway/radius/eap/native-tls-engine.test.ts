/**
 * The native TLS engine's module (native/eap-tls) at its boundary: whatever bytes a peer sends and
 * however the module is called, it answers with a result or a clear error, never a crash, and the
 * engine still completes real handshakes afterwards. The module must be built here (npm install
 * builds it): a missing build fails this file rather than skipping it.
 */
import { randomBytes } from 'node:crypto';
import { connect, DEFAULT_CIPHERS } from 'node:tls';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeEapTls, NativeTlsEngine, type EapTlsModule, type NativeContext } from './native-tls-engine.js';
import { selfSignedCertificate, tlsTestWire } from './tls-test-wire.js';

let lib: EapTlsModule;
let server: { pem: string; der: Buffer; key: string };
let client: { pem: string; der: Buffer; key: string };
let context: NativeContext;
const ciphers = DEFAULT_CIPHERS.split(':')
  .filter((c) => !c.startsWith('TLS_'))
  .join(':');

beforeAll(async () => {
  const loaded = nativeEapTls();
  if (typeof loaded === 'string') throw new Error(`${loaded}: run npm install (it builds native/eap-tls with node-gyp, which needs make and a C compiler)`);
  lib = loaded;
  server = await selfSignedCertificate('radius.test');
  client = await selfSignedCertificate('dev-7');
  context = lib.createContext({ cert: server.pem, key: server.key, ciphers, requestCert: true, ca: [client.pem], sessionTimeout: 60, sessionIdContext: 'test', maxSessions: 10, ticketKeys: randomBytes(48) });
});

/** A full EAP-TLS-style handshake of Node's TLS client against the engine; returns both ends. */
async function handshake(engine: NativeTlsEngine): Promise<{ secure: boolean; clientKeys: Buffer }> {
  const { wire, take } = tlsTestWire();
  const peer = connect({ socket: wire, rejectUnauthorized: false, cert: client.pem, key: client.key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  const up = new Promise<void>((r) => peer.once('secureConnect', () => r()));
  for (let i = 0; i < 4 && !engine.secure; i++) {
    const r = engine.receive(await take());
    expect(r.error).toBeUndefined();
    if (r.out.length > 0) wire.push(r.out);
  }
  await up;
  const keys = (peer.exportKeyingMaterial as unknown as (this: typeof peer, n: number, l: string) => Buffer).call(peer, 64, 'client EAP encryption');
  peer.destroy();
  return { secure: engine.secure, clientKeys: keys };
}

describe('native EAP TLS engine', () => {
  it('completes a handshake with a client certificate: keys, CN, leaf and verdict as the client sees them', async () => {
    const engine = new NativeTlsEngine(lib, context);
    const { secure, clientKeys } = await handshake(engine);
    expect(secure).toBe(true);
    expect(engine.exportKeyingMaterial(64, 'client EAP encryption')).toEqual(clientKeys);
    expect(engine.peer.leaf()).toEqual(client.der);
    expect(engine.peer.verified()?.raw).toEqual(client.der);
    expect(engine.peer.commonName()).toBe('dev-7');
    expect(engine.verifyError()).toBeNull();
    expect(engine.resumed()).toBe(false);
    engine.destroy(true);
  });

  it('random bytes and mutated ClientHellos: a result or a failure, never a throw; it still works after', async () => {
    const { wire, take } = tlsTestWire();
    const peer = connect({ socket: wire, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
    peer.on('error', () => {});
    const hello = await take();
    peer.destroy();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
          fc.tuple(fc.nat(hello.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(hello.length)).map(([at, byte, cut]) => {
            const m = Buffer.from(hello);
            m[at] = byte;
            return m.subarray(0, Math.max(1, cut));
          }),
        ),
        fc.boolean(),
        (bytes, twice) => {
          const engine = new NativeTlsEngine(lib, context);
          try {
            const r = engine.receive(bytes);
            expect(Buffer.isBuffer(r.out) && Buffer.isBuffer(r.clear)).toBe(true);
            expect(r.secure).toBe(false);
            if (twice) {
              const again = engine.receive(bytes);
              expect(again.secure).toBe(false);
              // Once failed, a conversation stays failed.
              if (r.error) expect(again.error?.message).toBe('the TLS conversation already failed');
            }
            expect(engine.send(Buffer.from('x'))).toEqual(Buffer.alloc(0));
            expect(() => engine.exportKeyingMaterial(64, 'client EAP encryption')).toThrow(/not complete/);
          } finally {
            engine.destroy();
          }
        },
      ),
      { numRuns: 400 },
    );
    const engine = new NativeTlsEngine(lib, context);
    expect((await handshake(engine)).secure).toBe(true);
    engine.destroy();
  });

  it('misuse is a clear error: wrong types, a closed conversation, oversized input', () => {
    const conv = lib.open(context);
    expect(() => lib.feed(conv, 'text' as unknown as Buffer)).toThrow(TypeError);
    expect(() => lib.feed({} as never, Buffer.alloc(1))).toThrow(/not a conversation/);
    expect(() => lib.feed(conv, Buffer.alloc(2 * 1024 * 1024))).toThrow(/over 1 MiB/);
    expect(() => lib.write(conv, Buffer.from('x'))).toThrow(/not established/);
    expect(() => lib.exportKeyingMaterial(conv, 0, 'x')).toThrow(/length/);
    expect(() => lib.open(conv as never)).toThrow(/not a context/);
    lib.close(conv, false);
    lib.close(conv, false);
    expect(() => lib.feed(conv, Buffer.alloc(1))).toThrow(/closed/);
    expect(() => lib.peerCertificate(conv)).toThrow(/closed/);
  });

  it('configuration faults name what is wrong, and an encrypted key never prompts', async () => {
    const base = { cert: server.pem, key: server.key, ciphers, requestCert: false };
    expect(() => lib.createContext({ ...base, cert: 'nonsense' })).toThrow(/the server certificate/);
    expect(() => lib.createContext({ ...base, key: 'nonsense' })).toThrow(/the server key/);
    expect(() => lib.createContext({ ...base, key: client.key })).toThrow(/the server key/);
    expect(() => lib.createContext({ ...base, ciphers: 'NO-SUCH-CIPHER' })).toThrow(/options.ciphers/);
    expect(() => lib.createContext({ ...base, requestCert: true, ca: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] })).toThrow(/a client CA/);
    expect(() => lib.createContext({ ...base, sessionTimeout: 60, sessionIdContext: 'x', ticketKeys: Buffer.alloc(7) })).toThrow(/48 bytes/);
    const { createPrivateKey } = await import('node:crypto');
    const encrypted = createPrivateKey(server.key).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    expect(() => lib.createContext({ ...base, key: encrypted })).toThrow(/the server key/);
  });
});

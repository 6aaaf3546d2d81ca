/**
 * The TLS engine answers a peer's flight as soon as OpenSSL has written it: one quiet event-loop
 * turn after the output, not a fixed wait. A regression here does not fail a handshake, it only
 * holds every EAP answer back (it once waited out MAX_TURNS on every message), so the turns are
 * counted.
 */
import { connect, createSecureContext, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NodeTlsEngine } from './node-tls-engine.js';
import { selfSignedCertificate, tlsTestWire, type TlsTestWire } from './tls-test-wire.js';

async function serverContext() {
  const c = await selfSignedCertificate('engine-test');
  return createSecureContext({ cert: c.pem, key: c.key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
}

/** A TLS client on an in-memory wire. */
function peer(): TlsTestWire & { socket: TLSSocket } {
  const w = tlsTestWire();
  return { ...w, socket: connect({ socket: w.wire, rejectUnauthorized: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }) };
}

/** Runs `fn` counting the immediates it schedules from this module's global (the engine's turns). */
async function countTurns<T>(fn: () => Promise<T>): Promise<{ value: T; turns: number }> {
  const spy = vi.spyOn(globalThis, 'setImmediate');
  try {
    const value = await fn();
    return { value, turns: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

describe('NodeTlsEngine', () => {
  const engines: NodeTlsEngine[] = [];
  afterEach(() => {
    for (const e of engines.splice(0)) e.destroy();
  });

  it('answers each flight of a handshake, and tunnel data, one quiet turn after OpenSSL wrote it', async () => {
    const engine = new NodeTlsEngine({ secureContext: await serverContext(), requestCert: false });
    engines.push(engine);
    const client = peer();
    const secured = new Promise<void>((r) => client.socket.once('secureConnect', () => r()));
    const received: Buffer[] = [];
    client.socket.on('data', (d: Buffer) => received.push(d));

    // ClientHello → ServerHello … ServerHelloDone.
    let msg = await client.take();
    const hello = await countTurns(async () => engine.receive(msg));
    expect(hello.value.out.length).toBeGreaterThan(0);
    expect(hello.value.secure).toBe(false);
    client.wire.push(hello.value.out);

    // ClientKeyExchange, ChangeCipherSpec, Finished → ChangeCipherSpec, Finished; secure.
    msg = await client.take();
    const finish = await countTurns(async () => engine.receive(msg));
    expect(finish.value.out.length).toBeGreaterThan(0);
    expect(finish.value.secure).toBe(true);
    client.wire.push(finish.value.out);
    await secured;

    // Application data both ways.
    client.socket.write('inner request');
    msg = await client.take();
    const inner = await countTurns(async () => engine.receive(msg));
    expect(inner.value.clear.toString()).toBe('inner request');
    const sealed = await countTurns(() => engine.send(Buffer.from('inner answer')));
    client.wire.push(sealed.value);
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(received).toString()).toBe('inner answer');

    // A new engine's transport starts flowing a turn after it is built, so a ClientHello fed at
    // once may take one turn more; every later message is answered after exactly one.
    expect(hello.turns).toBeLessThanOrEqual(2);
    expect([finish, inner, sealed].map((s) => s.turns)).toEqual([1, 1, 1]);
    client.socket.destroy();
  });

  it('gives up on a message that makes nothing happen, reporting no output', async () => {
    const engine = new NodeTlsEngine({ secureContext: await serverContext(), requestCert: false });
    engines.push(engine);
    // The first three bytes of a handshake record header: OpenSSL waits for the rest.
    const r = await engine.receive(Buffer.from([0x16, 0x03, 0x01]));
    expect(r.out.length).toBe(0);
    expect(r.secure).toBe(false);
    expect(r.error).toBeUndefined();
  });
});

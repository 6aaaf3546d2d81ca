/**
 * Test support: a NAS whose behaviour a test scripts, on a real loopback UDP socket. FreeRADIUS
 * (the real peer) cannot be told to stay silent, answer twice or forge, so the client's handling
 * of those is exercised against this instead. Not used outside tests.
 */
import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { RADIUS_CODE, decodePacket, encodeResponse, type RadiusAttribute, type RadiusCode, type RadiusPacket } from '../codec/index.js';
import type { DynamicAuthStep, DynamicAuthTarget } from './types.js';

export const disconnect: DynamicAuthStep = { name: 'disconnect', request: 'disconnect' };

export interface Received {
  raw: Buffer;
  packet: RadiusPacket;
  from: RemoteInfo;
}

/** Records every datagram and hands it to `onRequest`; answers nothing unless told to. */
export class ScriptedNas {
  readonly received: Received[] = [];
  onRequest: (r: Received, nas: ScriptedNas) => void = () => {};
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket, readonly secret: Buffer) {
    socket.on('message', (raw, from) => {
      const r = { raw: Buffer.from(raw), packet: decodePacket(raw), from };
      this.received.push(r);
      this.onRequest(r, this);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async start(secret: Buffer): Promise<ScriptedNas> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new ScriptedNas(socket, secret);
  }

  get port(): number {
    return this.socket.address().port;
  }

  target(steps: readonly DynamicAuthStep[] = [disconnect], secret = this.secret): DynamicAuthTarget {
    return { address: '127.0.0.1', port: this.port, secret, steps };
  }

  /** Resolves once `n` datagrams have arrived in total. */
  async receivedAtLeast(n: number): Promise<void> {
    while (this.received.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  reply(to: Received, datagram: Uint8Array): void {
    this.socket.send(datagram, to.from.port, to.from.address);
  }

  close(): void {
    this.socket.close();
  }
}

const ANSWERS: Readonly<Record<number, readonly [ack: RadiusCode, nak: RadiusCode]>> = {
  [RADIUS_CODE.DISCONNECT_REQUEST]: [RADIUS_CODE.DISCONNECT_ACK, RADIUS_CODE.DISCONNECT_NAK],
  [RADIUS_CODE.COA_REQUEST]: [RADIUS_CODE.COA_ACK, RADIUS_CODE.COA_NAK],
};

/** A correctly signed answer to a request (with Message-Authenticator), ACK or NAK of its kind. */
export function answer(to: Received, kind: 'ack' | 'nak', secret: Buffer, attributes: RadiusAttribute[] = []): Buffer {
  const [ack, nak] = ANSWERS[to.packet.code]!;
  return encodeResponse({ code: kind === 'ack' ? ack : nak, identifier: to.packet.identifier, attributes }, to.packet.authenticator, secret);
}

export function md5(...parts: Uint8Array[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

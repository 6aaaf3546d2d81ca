/**
 * The EAP-TLS framing shared by EAP-TLS (RFC 5216 §3.1), EAP-TTLS (RFC 5281 §9.1) and PEAP:
 *
 *   Flags (L: Length included, M: More fragments, S: Start; TTLS and PEAP put their version in
 *   the low three bits), then a 4-byte TLS Message Length when L is set, then TLS data.
 *
 * A TLS message longer than one fragment goes out as several EAP requests, and the peer answers
 * each but the last with an ACK (no data); the peer's own fragments get an ACK from us.
 */
export const TLS_FLAGS = { LENGTH: 0x80, MORE: 0x40, START: 0x20 } as const;
const VERSION_MASK = 0x07;

export interface TlsFragment {
  flags: number;
  version: number;
  /** The total the peer announced (L flag). */
  messageLength?: number;
  data: Buffer;
}

/** Parses the type data of an EAP-TLS/TTLS/PEAP response; undefined when it cannot be one. */
export function parseTlsFragment(typeData: Uint8Array): TlsFragment | undefined {
  if (typeData.length < 1) return undefined;
  const flags = typeData[0]!;
  let at = 1;
  let messageLength: number | undefined;
  if (flags & TLS_FLAGS.LENGTH) {
    if (typeData.length < 5) return undefined;
    messageLength = Buffer.from(typeData.buffer, typeData.byteOffset, typeData.byteLength).readUInt32BE(1);
    at = 5;
  }
  return { flags, version: flags & VERSION_MASK, ...(messageLength !== undefined ? { messageLength } : {}), data: Buffer.from(typeData.subarray(at)) };
}

export function encodeTlsFragment(flags: number, data: Uint8Array, messageLength?: number): Buffer {
  const head = messageLength !== undefined ? 5 : 1;
  const out = Buffer.alloc(head + data.length);
  out[0] = flags | (messageLength !== undefined ? TLS_FLAGS.LENGTH : 0);
  if (messageLength !== undefined) out.writeUInt32BE(messageLength, 1);
  out.set(data, head);
  return out;
}

/** Reassembles the peer's fragments into one TLS message, within a byte budget. */
export class InboundMessage {
  private parts: Buffer[] = [];
  private received = 0;
  private expected: number | undefined;

  constructor(private readonly maxBytes: number) {}

  /** 'more': ACK it and wait; Buffer: the whole message; string: why the input is refused. */
  add(f: TlsFragment): 'more' | Buffer | string {
    const first = this.parts.length === 0 && this.received === 0;
    if (f.messageLength !== undefined) {
      if (f.messageLength > this.maxBytes) return `TLS Message Length ${f.messageLength} is over the ${this.maxBytes}-byte limit`;
      if (first) this.expected = f.messageLength;
      else if (this.expected !== undefined && f.messageLength !== this.expected) return 'TLS Message Length changed between fragments';
    }
    this.received += f.data.length;
    if (this.received > this.maxBytes) return `TLS message over the ${this.maxBytes}-byte limit`;
    if (this.expected !== undefined && this.received > this.expected) return `fragments carry more than the announced ${this.expected} bytes`;
    this.parts.push(f.data);
    if (f.flags & TLS_FLAGS.MORE) {
      if (f.data.length === 0) return 'an empty fragment with the More flag';
      return 'more';
    }
    if (this.expected !== undefined && this.received !== this.expected) return `fragments carry ${this.received} bytes, ${this.expected} announced`;
    const whole = Buffer.concat(this.parts);
    this.parts = [];
    this.received = 0;
    this.expected = undefined;
    return whole;
  }

  get pending(): boolean {
    return this.received > 0;
  }
}

/** Cuts one TLS message into fragments of at most `fragmentBytes` TLS bytes. */
export class OutboundMessage {
  private queue: Buffer[] = [];

  constructor(private readonly fragmentBytes: number) {}

  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Type data of the first request for `message`; later fragments come from next(). */
  start(message: Buffer, version: number): Buffer {
    if (message.length <= this.fragmentBytes) return encodeTlsFragment(version, message);
    this.queue = [];
    for (let at = this.fragmentBytes; at < message.length; at += this.fragmentBytes) this.queue.push(message.subarray(at, at + this.fragmentBytes));
    return encodeTlsFragment(version | TLS_FLAGS.MORE, message.subarray(0, this.fragmentBytes), message.length);
  }

  next(version: number): Buffer {
    const part = this.queue.shift() ?? Buffer.alloc(0);
    return encodeTlsFragment(version | (this.queue.length > 0 ? TLS_FLAGS.MORE : 0), part);
  }
}

/**
 * Bounds-checked big-endian reading and writing for the NEA codecs. Every read checks the
 * remaining length first and reports the offset, so a short or lying length field becomes a typed
 * protocol error, never a RangeError or a read past the message.
 */
import { WireError, type WireLayer } from './wire-error.js';

export class Reader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    private readonly layer: WireLayer,
    /** The error code to report for truncated input (the layer's "invalid parameter"/"malformed"). */
    private readonly truncatedCode: number,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new WireError(this.layer, this.truncatedCode, `${what}: needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`, this.pos);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(what: string): number {
    this.need(3, what);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = ((this.buf[this.pos]! << 24) >>> 0) + ((this.buf[this.pos + 1]! << 16) | (this.buf[this.pos + 2]! << 8) | this.buf[this.pos + 3]!);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** UTF-8 text of n bytes. Invalid UTF-8 is a protocol error, not replacement characters. */
  utf8(n: number, what: string): string {
    const b = this.bytes(n, what);
    try {
      return DECODER.decode(b);
    } catch {
      throw new WireError(this.layer, this.truncatedCode, `${what}: invalid UTF-8`, this.pos - n);
    }
  }
  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }
}

// ignoreBOM: a leading U+FEFF is content the peer sent, not something to drop silently.
const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODER = new TextEncoder();

export const utf8Bytes = (s: string): Uint8Array => ENCODER.encode(s);

/** Accumulates big-endian fields; `finish()` returns one Buffer. */
export class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  u8(v: number): this {
    return this.push(Uint8Array.of(v & 0xff));
  }
  u16(v: number): this {
    return this.push(Uint8Array.of((v >>> 8) & 0xff, v & 0xff));
  }
  u24(v: number): this {
    return this.push(Uint8Array.of((v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
  }
  u32(v: number): this {
    return this.push(Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
  }
  bytes(b: Uint8Array): this {
    return this.push(b);
  }
  get length(): number {
    return this.size;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

/**
 * Cuts the decrypted TLS byte stream into PT-TLS messages. TLS records do not line up with
 * messages, so bytes are buffered until a whole message is present. The length in the header is
 * checked the moment the header is complete: a peer announcing an oversized message is refused
 * before we hold any of its body, so one connection can never make us buffer more than one
 * maximum-size message (plus whatever single chunk the socket handed us).
 */
import { Reader } from '../bytes.js';
import { PT_ERROR, WireError } from '../wire-error.js';
import { PT_ERROR_COPY_BYTES, encodePtError } from './bodies.js';
import { IETF_VENDOR, PT_HEADER_BYTES, PT_MAX_MESSAGE_BYTES, PT_TYPE, decodePtHeader, decodePtMessage, type PtHeader, type PtMessage } from './message.js';

export interface PtFramerOptions {
  /** Largest whole message (header included) accepted. */
  maxMessageBytes?: number;
}

export class PtFramer {
  readonly maxMessageBytes: number;
  /** Received chunks not yet consumed; a list so byte-by-byte delivery stays linear, not quadratic. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Header of the message being assembled, parsed once when its 16 bytes arrive. */
  private header: PtHeader | undefined;
  private failure: WireError | undefined;
  private failedBytes: Uint8Array | undefined;

  constructor(opts: PtFramerOptions = {}) {
    this.maxMessageBytes = opts.maxMessageBytes ?? PT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.maxMessageBytes) || this.maxMessageBytes < PT_HEADER_BYTES) {
      throw new RangeError(`maxMessageBytes must be an integer >= ${PT_HEADER_BYTES}`);
    }
  }

  /** Bytes held for an incomplete message. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The error that poisoned the framer, if any. */
  get error(): WireError | undefined {
    return this.failure;
  }

  /** What we have of the message that failed (its header): the copy for the Error reply. */
  get offendingBytes(): Uint8Array | undefined {
    return this.failedBytes;
  }

  /**
   * Adds stream bytes and returns every message they complete, in order. On a framing error the
   * stream position is lost for good, so the framer is poisoned: this and every later call throw
   * the same WireError, and complete messages earlier in the failing chunk are dropped (the
   * connection is being closed with a PT-TLS Error anyway).
   */
  push(chunk: Uint8Array): PtMessage[] {
    if (this.failure) throw this.failure;
    try {
      if (chunk.length > 0) {
        // Copied: the caller may reuse its buffer once push returns, and we may keep a partial message.
        this.chunks.push(Buffer.from(chunk));
        this.buffered += chunk.length;
      }
      const out: PtMessage[] = [];
      for (;;) {
        if (!this.header) {
          if (this.buffered < PT_HEADER_BYTES) break;
          this.header = this.readHeader();
        }
        if (this.buffered < this.header.length) break;
        // take() copies, so a small message never pins a large socket buffer in memory.
        out.push(decodePtMessage(this.take(this.header.length)));
        this.header = undefined;
      }
      return out;
    } catch (e) {
      this.poison(e);
    }
  }

  private readHeader(): PtHeader {
    const head = this.peek(PT_HEADER_BYTES);
    try {
      const h = decodePtHeader(head);
      if (h.length > this.maxMessageBytes) {
        throw new WireError('pt-tls', PT_ERROR.MALFORMED_MESSAGE, `message length ${h.length} exceeds the ${this.maxMessageBytes}-byte limit`, 8, { length: h.length, limit: this.maxMessageBytes });
      }
      return h;
    } catch (e) {
      this.failedBytes = head;
      throw e;
    }
  }

  private poison(e: unknown): never {
    // Only WireErrors can arise above; anything else is a bug, still reported as a PT-TLS error
    // so the caller's single catch path holds.
    this.failure = e instanceof WireError ? e : new WireError('pt-tls', PT_ERROR.MALFORMED_MESSAGE, `framer failure: ${String(e)}`);
    this.chunks = [];
    this.buffered = 0;
    this.header = undefined;
    throw this.failure;
  }

  /** Copies the first n buffered bytes without consuming them. */
  private peek(n: number): Buffer {
    const out = Buffer.alloc(n);
    let at = 0;
    for (const c of this.chunks) {
      if (at >= n) break;
      at += c.copy(out, at, 0, Math.min(c.length, n - at));
    }
    return out;
  }

  /** Removes and returns (as a fresh copy) the first n buffered bytes. */
  private take(n: number): Buffer {
    const out = Buffer.alloc(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}

/**
 * Builds the PT-TLS Error message (RFC 6876 §3.9) for a WireError: IETF vendor, the error's code
 * and a copy of at most 1024 bytes of the offending message. `id` is our own next identifier.
 */
export function errorMessageFor(e: WireError, offending: Uint8Array, id: number): PtMessage {
  // A PA/PB code means something else in PT-TLS; those errors travel in PB-TNC batches instead.
  if (e.layer !== 'pt-tls') throw new RangeError(`${e.layer} error cannot become a PT-TLS Error message`);
  const original = Uint8Array.from(new Reader(offending, 'pt-tls', PT_ERROR.MALFORMED_MESSAGE).bytes(Math.min(offending.length, PT_ERROR_COPY_BYTES), 'original'));
  return { vendor: IETF_VENDOR, type: PT_TYPE.ERROR, id, body: encodePtError({ vendor: IETF_VENDOR, code: e.code, original }) };
}

/**
 * The option fields on the wire: type-length-value instances after the magic cookie, and, under
 * option overload (RFC 2132 §9.3), in the `file` and `sname` header fields too. This file turns
 * those bytes into one value per option code and back; message.ts owns the header around them.
 *
 * RFC 3396: an option may appear as several instances, whose values are concatenated in the
 * order options field, then file, then sname (RFC 3396 §6, RFC 2131 §4.1). Decoding therefore
 * yields one value per code, and encoding splits any value longer than 255 bytes.
 */
import { DhcpDecodeError } from './decode-error.js';

export const OPTION_PAD = 0;
export const OPTION_END = 255;
export const OPTION_OVERLOAD = 52;
/** RFC 2132 §9.3 values: which header fields carry options. */
export const OVERLOAD = { FILE: 1, SNAME: 2, BOTH: 3 } as const;
export const MAX_OPTION_VALUE_BYTES = 255;

/** One instance on the wire; several instances of one code make one value (RFC 3396). */
export interface OptionInstance {
  code: number;
  value: Uint8Array;
}

export type OptionField = 'options' | 'file' | 'sname';

/**
 * Walks one option field, `buf[start, end)`. Pads are skipped wherever they are, leading ones
 * included (a valid layout some parsers trip on); End closes the field and anything after it is
 * padding. A field that runs out without End is refused: RFC 2131 §4.1 makes End mandatory, and a
 * missing one most often means a truncated datagram whose last option we cannot trust.
 */
export function readOptionField(buf: Uint8Array, start: number, end: number, field: OptionField): OptionInstance[] {
  const out: OptionInstance[] = [];
  let at = start;
  while (at < end) {
    const code = buf[at]!;
    if (code === OPTION_PAD) {
      at++;
      continue;
    }
    if (code === OPTION_END) return out;
    if (at + 1 >= end) throw new DhcpDecodeError('option-overrun', `option ${code} in ${field} has no length byte`, at);
    const len = buf[at + 1]!;
    if (at + 2 + len > end) throw new DhcpDecodeError('option-overrun', `option ${code} in ${field} runs ${at + 2 + len - end} bytes past the field`, at + 1);
    out.push({ code, value: buf.subarray(at + 2, at + 2 + len) });
    at += 2 + len;
  }
  throw new DhcpDecodeError('no-end', `the ${field} field has no End option`, end);
}

/** Header offsets of the two overloadable fields, shared with message.ts. */
export const SNAME_OFFSET = 44;
export const SNAME_BYTES = 64;
export const FILE_OFFSET = 108;
export const FILE_BYTES = 128;
export const OPTIONS_OFFSET = 240;

export interface DecodedOptions {
  options: Map<number, Uint8Array>;
  /** 0 when file and sname are names, else the RFC 2132 §9.3 value. */
  overload: 0 | 1 | 2 | 3;
}

/**
 * All options of a datagram whose header and cookie have been checked. Option 52 is consumed
 * here, not reported: it describes the layout, which the encoder decides again on the way out.
 */
export function decodeOptionFields(buf: Uint8Array): DecodedOptions {
  const instances = readOptionField(buf, OPTIONS_OFFSET, buf.length, 'options');
  let overload: 0 | 1 | 2 | 3 = 0;
  const overloads = instances.filter((i) => i.code === OPTION_OVERLOAD);
  if (overloads.length > 0) {
    const total = overloads.reduce((n, i) => n + i.value.length, 0);
    const v = overloads[0]!.value[0];
    if (total !== 1 || v === undefined || v < 1 || v > 3) throw new DhcpDecodeError('bad-overload', 'option 52 must be one byte of value 1, 2 or 3');
    overload = v as 1 | 2 | 3;
  }
  if (overload & OVERLOAD.FILE) instances.push(...inOverloadedField(buf, FILE_OFFSET, FILE_BYTES, 'file'));
  if (overload & OVERLOAD.SNAME) instances.push(...inOverloadedField(buf, SNAME_OFFSET, SNAME_BYTES, 'sname'));

  const parts = new Map<number, Uint8Array[]>();
  for (const i of instances) {
    if (i.code === OPTION_OVERLOAD) continue;
    const list = parts.get(i.code);
    if (list === undefined) parts.set(i.code, [i.value]);
    else list.push(i.value);
  }
  const options = new Map<number, Uint8Array>();
  // A single instance stays a view into the datagram; only split options pay for a copy.
  for (const [code, list] of parts) options.set(code, list.length === 1 ? list[0]! : Buffer.concat(list));
  return { options, overload };
}

function inOverloadedField(buf: Uint8Array, offset: number, bytes: number, field: OptionField): OptionInstance[] {
  const found = readOptionField(buf, offset, offset + bytes, field);
  // Overload is only announced from the options field; one inside file/sname is a loop or a lie.
  if (found.some((i) => i.code === OPTION_OVERLOAD)) throw new DhcpDecodeError('bad-overload', `option 52 inside ${field}`, offset);
  return found;
}

/** Where encodeOptionFields may put options, beyond the options field itself. */
export interface OptionRoom {
  /** Bytes for the options field after the cookie, End included. */
  optionsBytes: number;
  /** Whether file / sname are free (empty names) and overload is allowed. */
  file: boolean;
  sname: boolean;
}

export interface EncodedOptions {
  /** The options field, End included, no trailing pad. */
  options: Buffer;
  /** Set when options went into that header field: its full contents, End and pads included. */
  file?: Buffer;
  sname?: Buffer;
}

const instanceBytes = (values: readonly OptionInstance[]): number =>
  values.reduce((n, o) => n + Math.max(1, Math.ceil(o.value.length / MAX_OPTION_VALUE_BYTES)) * 2 + o.value.length, 0);

/**
 * Lays the options out in order. Everything goes into the options field when it fits; otherwise,
 * when allowed, the overflow continues in file, then sname (RFC 2131 §4.1's reading order), and
 * option 52 announces it. Options of up to 255 bytes are never split across fields: RFC 3396 is
 * not universal among clients, and only a long option forces them to know it. Throws RangeError
 * when the options do not fit.
 */
export function encodeOptionFields(ordered: readonly OptionInstance[], room: OptionRoom): EncodedOptions {
  if (instanceBytes(ordered) + 1 <= room.optionsBytes) {
    const w = new FieldWriter(room.optionsBytes);
    for (const o of ordered) w.putWhole(o);
    return { options: w.close() };
  }
  if (!room.file && !room.sname) throw new RangeError(`options need ${instanceBytes(ordered) + 1} bytes; the limit is ${room.optionsBytes} and overload is not available`);
  // Reserve option 52 (3 bytes) in the options field; it is written last, before End.
  const fields: { writer: FieldWriter; bit: 0 | 1 | 2 }[] = [{ writer: new FieldWriter(room.optionsBytes - 3), bit: 0 }];
  if (room.file) fields.push({ writer: new FieldWriter(FILE_BYTES), bit: OVERLOAD.FILE });
  if (room.sname) fields.push({ writer: new FieldWriter(SNAME_BYTES), bit: OVERLOAD.SNAME });
  let f = 0;
  for (const o of ordered) {
    if (o.value.length <= MAX_OPTION_VALUE_BYTES) {
      while (f < fields.length && !fields[f]!.writer.fits(o.value.length)) f++;
      if (f === fields.length) throw new RangeError(`option ${o.code} does not fit, even with overload`);
      fields[f]!.writer.putWhole(o);
      continue;
    }
    let at = 0;
    while (at < o.value.length) {
      if (f === fields.length) throw new RangeError(`option ${o.code} (${o.value.length} bytes) does not fit, even with overload`);
      const free = fields[f]!.writer.freeValueBytes();
      if (free < 1) {
        f++;
        continue;
      }
      const n = Math.min(free, MAX_OPTION_VALUE_BYTES, o.value.length - at);
      fields[f]!.writer.putInstance(o.code, o.value.subarray(at, at + n));
      at += n;
    }
  }
  let overload = 0;
  for (let i = 1; i <= Math.min(f, fields.length - 1); i++) overload |= fields[i]!.bit;
  const main = fields[0]!.writer;
  main.grow(3);
  if (overload !== 0) main.putInstance(OPTION_OVERLOAD, Uint8Array.of(overload));
  const out: EncodedOptions = { options: main.close() };
  for (let i = 1; i < fields.length; i++) {
    const fl = fields[i]!;
    if ((overload & fl.bit) === 0) continue;
    const bytes = Buffer.alloc(fl.bit === OVERLOAD.FILE ? FILE_BYTES : SNAME_BYTES);
    bytes.set(fl.writer.close());
    if (fl.bit === OVERLOAD.FILE) out.file = bytes;
    else out.sname = bytes;
  }
  return out;
}

/** Appends instances to one field, always leaving room for End. */
class FieldWriter {
  private readonly parts: Uint8Array[] = [];
  private used = 0;
  constructor(private capacity: number) {}

  fits(valueBytes: number): boolean {
    return this.used + 2 + valueBytes + 1 <= this.capacity;
  }
  freeValueBytes(): number {
    return this.capacity - this.used - 1 - 2;
  }
  grow(n: number): void {
    this.capacity += n;
  }
  putInstance(code: number, value: Uint8Array): void {
    this.parts.push(Uint8Array.of(code, value.length), value);
    this.used += 2 + value.length;
  }
  /** The whole value, as one instance or as 255-byte pieces when longer. */
  putWhole(o: OptionInstance): void {
    if (o.value.length === 0) this.putInstance(o.code, o.value);
    for (let at = 0; at < o.value.length; at += MAX_OPTION_VALUE_BYTES) this.putInstance(o.code, o.value.subarray(at, at + MAX_OPTION_VALUE_BYTES));
  }
  close(): Buffer {
    return Buffer.concat([...this.parts, Uint8Array.of(OPTION_END)]);
  }
}

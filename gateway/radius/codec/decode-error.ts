/**
 * The one error RADIUS decoding throws. RADIUS has no error reply for a malformed packet: the
 * receiver silently discards it (RFC 2865 §3). So instead of a protocol code the error carries a
 * stable `reason`, which the server uses as the label of its drop counter. Nothing else may
 * escape a decoder: the property tests hold them to it.
 */
import type { GatewayErrorCode } from '../../errors.js';

export const RADIUS_DECODE_REASONS = [
  /** Fewer than the 20 header bytes, or a Length field below 20. */
  'short',
  /** The Length field claims more bytes than the datagram holds (RFC 2865 §3: silently discard). */
  'length-mismatch',
  /** Over the 4096-byte RADIUS maximum (RFC 2865 §3), as datagram or as Length field. */
  'too-long',
  /** An attribute Length below 2, or running past the packet's Length. */
  'bad-attribute-length',
  /** A Code we do not speak; RFC 2865 §3 says such packets are silently discarded. */
  'unknown-code',
  /** A known attribute whose value does not fit its type (e.g. a 3-byte integer; RFC 6929 §2.8). */
  'bad-attribute-value',
  /** A Vendor-Specific attribute whose vendor id or sub-attributes do not parse. */
  'bad-vsa',
  /** Reassembled EAP-Message bytes whose EAP header or length does not match (RFC 3579 §3.1). */
  'bad-eap',
] as const;

export type RadiusDecodeReason = (typeof RADIUS_DECODE_REASONS)[number];

export class RadiusDecodeError extends Error {
  override readonly name = 'RadiusDecodeError';
  /** One code for the whole family, in the Kenneki error style; `reason` says which rule broke. */
  readonly code: GatewayErrorCode = 'KENNEKI_ERR_RADIUS_DECODE';

  constructor(
    readonly reason: RadiusDecodeReason,
    message: string,
    /** Byte offset of the offending field within the decoded unit. */
    readonly offset = 0,
  ) {
    super(`radius ${reason}: ${message}`);
  }
}

export function isRadiusDecodeError(e: unknown): e is RadiusDecodeError {
  return e instanceof RadiusDecodeError;
}

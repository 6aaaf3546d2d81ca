/**
 * The one error DHCP decoding throws. A DHCP server has no error reply for a malformed datagram:
 * RFC 2131 leaves it to be dropped, and a NAK would only be right for a well-formed request it
 * refuses. So the error carries a stable `reason`, which the server uses as the label of its drop
 * counter. Nothing else may escape the decoder or the typed getters: the property tests hold
 * them to it.
 */
import type { GatewayErrorCode } from '../../errors.js';

export const DHCP_DECODE_REASONS = [
  /** Fewer than the 236 header bytes plus the 4-byte magic cookie. */
  'too-short',
  /** Over DHCP_MAX_DATAGRAM_BYTES: no client or relay sends that much, so refuse before work. */
  'too-long',
  /** op is neither BOOTREQUEST (1) nor BOOTREPLY (2) (RFC 951 §3). */
  'bad-op',
  /** hlen over the 16 bytes chaddr can hold. */
  'bad-hlen',
  /** Not the RFC 2131 §3 magic cookie 99.130.83.99: BOOTP or garbage, not DHCP. */
  'bad-cookie',
  /** An option's length byte, or its value, runs past the end of its field. */
  'option-overrun',
  /** An option field (options, or file/sname under overload) has no End option (RFC 2131 §4.1). */
  'no-end',
  /** Option 52 whose length is not 1, whose value is not 1–3, or that sits in file/sname. */
  'bad-overload',
  /** A known option whose value does not fit its type (e.g. an address list of 6 bytes). */
  'bad-option-value',
] as const;

export type DhcpDecodeReason = (typeof DHCP_DECODE_REASONS)[number];

export class DhcpDecodeError extends Error {
  override readonly name = 'DhcpDecodeError';
  /** One code for the whole family (gateway/errors.ts); `reason` says which check failed. */
  readonly code: GatewayErrorCode = 'KENNEKI_ERR_DHCP_DECODE';

  constructor(
    readonly reason: DhcpDecodeReason,
    message: string,
    /** Byte offset of the offending field within the datagram (0 when it is a whole value). */
    readonly offset = 0,
  ) {
    super(`dhcp ${reason}: ${message}`);
  }
}

export function isDhcpDecodeError(e: unknown): e is DhcpDecodeError {
  return e instanceof DhcpDecodeError;
}

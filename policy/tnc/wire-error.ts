/**
 * The one error NEA codecs throw. Every malformed input maps to the protocol error the peer must
 * receive: a PA-TNC error (RFC 5792 §4.2.8), a PB-TNC error (RFC 5793 §4.9) or a PT-TLS error
 * (RFC 6876 §3.9). Nothing else may escape a decoder: the property tests hold them to it.
 */

export type WireLayer = 'pa-tnc' | 'pb-tnc' | 'pt-tls';

/** RFC 5792 §4.2.8 */
export const PA_ERROR = { INVALID_PARAMETER: 1, VERSION_NOT_SUPPORTED: 2, ATTRIBUTE_TYPE_NOT_SUPPORTED: 3 } as const;
/** RFC 5793 §4.9.1 */
export const PB_ERROR = { UNEXPECTED_BATCH_TYPE: 0, INVALID_PARAMETER: 1, LOCAL_ERROR: 2, UNSUPPORTED_MANDATORY_MESSAGE: 3, VERSION_NOT_SUPPORTED: 4 } as const;
/** RFC 6876 §3.9 */
export const PT_ERROR = { MALFORMED_MESSAGE: 1, VERSION_NOT_SUPPORTED: 2, TYPE_NOT_SUPPORTED: 3, INVALID_MESSAGE: 4, SASL_MECHANISM_ERROR: 5, INVALID_PARAMETER: 6 } as const;

export class WireError extends Error {
  override readonly name = 'WireError';

  constructor(
    readonly layer: WireLayer,
    /** The protocol's own error code for the reply. */
    readonly code: number,
    message: string,
    /** Byte offset of the offending field within the decoded unit, where the protocol reports one. */
    readonly offset = 0,
    /** Extra fields some error codes carry (e.g. the offending attribute's vendor and type). */
    readonly detail: Record<string, number> = {},
  ) {
    super(`${layer}: ${message}`);
  }
}

export function isWireError(e: unknown): e is WireError {
  return e instanceof WireError;
}

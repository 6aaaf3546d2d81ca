/**
 * Why a datagram got no answer. Every drop is counted under one of these (kenneki_radius_dropped_total)
 * so that an operator can tell a wrong secret from a scan from a broken switch without a capture.
 */
export const RADIUS_DROP_REASONS = [
  /** The source address is no configured NAS client. */
  'unknown-client',
  /** Shorter than a header, longer than 4096 bytes, or its Length field disagrees. */
  'bad-length',
  /** Did not decode (attribute lengths, VSA layout, ...). */
  'malformed',
  /** A code this port does not serve (an Accounting-Request on the auth port, a response, ...). */
  'unexpected-code',
  /** Access-Request or Status-Server without Message-Authenticator from a non-legacy NAS. */
  'no-message-authenticator',
  /** Message-Authenticator or Request Authenticator did not verify: a wrong secret or a forgery. */
  'bad-authenticator',
  /** A retransmission of a request still being answered. */
  'duplicate-in-progress',
  /** An EAP conversation the server no longer knows or refused to continue. */
  'eap',
  /** Answering failed inside the server (logged with the error). */
  'internal-error',
] as const;

export type RadiusDropReason = (typeof RADIUS_DROP_REASONS)[number];

/**
 * Errors of the enforcement adapters. Like the policy server's (policy/errors.ts), every code is
 * stable, documented in README.md and checked by a test; these never reach the HTTP API.
 */
export const GATEWAY_ERRORS = {
  /** A datagram that is not a well-formed RADIUS packet: dropped and counted by its reason. */
  KENNEKI_ERR_RADIUS_DECODE: { message: 'not a well-formed RADIUS packet' },
  /** A datagram that is not a well-formed DHCP message: dropped and counted by its reason. */
  KENNEKI_ERR_DHCP_DECODE: { message: 'not a well-formed DHCP message' },
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

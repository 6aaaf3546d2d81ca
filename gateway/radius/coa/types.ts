/**
 * The vocabulary of the RFC 5176 Dynamic Authorization client: what a NAS profile asks for
 * (steps), where it goes (target), which session it names (identity), and what came back.
 * Kept apart from the client so that profile code can depend on the shapes without the socket.
 */

/** One step of a NAS profile's chain: which request, with which extra (vendor) attributes. Data, not code. */
export interface DynamicAuthStep {
  name: string;
  request: 'disconnect' | 'coa';
  attributes?: { name: string; value: string | number }[];
}

export interface DynamicAuthTarget {
  address: string;
  /** Usually 3799 (RFC 5176 §3). */
  port: number;
  secret: Buffer;
  /** Tried in order: a NAK or a timeout moves on, an ACK stops. */
  steps: readonly DynamicAuthStep[];
}

/** How the NAS knows the session; only the fields present are sent. */
export interface SessionIdentity {
  callingStationId?: string;
  userName?: string;
  acctSessionId?: string;
  /** IPv4 → NAS-IP-Address, IPv6 → NAS-IPv6-Address. */
  nasIpAddress?: string;
  nasIdentifier?: string;
  nasPort?: number;
  /** IPv4 → Framed-IP-Address, IPv6 → Framed-IPv6-Address. */
  framedIpAddress?: string;
}

export interface StepResult {
  step: string;
  result: 'ack' | 'nak' | 'timeout' | 'error';
  /** RFC 5176 §3.5 Error-Cause of a NAK (or of an ACK, 201/202), when the NAS sent one. */
  errorCause?: number;
  errorCauseName?: string;
  /** Transmissions of the one packet (1 + retransmissions); 0 when the step failed before sending. */
  attempts: number;
  /** From the first transmission to the verified answer. */
  rttMs?: number;
  /** Why a step ended in 'error' (bad step data, socket failure, client closed, too many queued). */
  detail?: string;
}

export interface DynamicAuthResult {
  /** 'acked' when a step was ACKed; otherwise the result of the last step tried. */
  outcome: 'acked' | 'naked' | 'timeout' | 'error';
  /** The step that was acked. */
  step?: string;
  steps: StepResult[];
}

export interface SendOptions {
  /** Per transmission; default 1000. */
  timeoutMs?: number;
  /** Retransmissions of the same packet (same Identifier and Authenticator, RFC 5080 §2.2.1); default 2. */
  retries?: number;
}

/**
 * Why a datagram on the client's socket was ignored. Every drop is reported, so that a wrong
 * secret on a switch is visible as 'bad-authenticator' rather than as an unexplained timeout.
 */
export const DYNAMIC_AUTH_DROP_REASONS = [
  /** Did not decode as RADIUS (length, attribute layout, unknown code). */
  'malformed',
  /** A well-formed packet that is no CoA/Disconnect response (a request, an Access-Accept, …). */
  'unexpected-code',
  /** No request of ours is in flight from that address, port and Identifier (late, or unsolicited). */
  'no-request',
  /** A response of the other kind: CoA-ACK to a Disconnect-Request or vice versa. */
  'wrong-code',
  /** The Response Authenticator does not verify: a wrong secret or a forgery. */
  'bad-authenticator',
  /** Message-Authenticator present but wrong (or duplicated): a wrong secret or a forgery. */
  'bad-message-authenticator',
  /** Handling the datagram failed inside the client; a bug, but never a crash. */
  'internal-error',
] as const;

export type DynamicAuthDropReason = (typeof DYNAMIC_AUTH_DROP_REASONS)[number];

/** Metrics hooks. Exceptions thrown here are swallowed: a broken metric must not break enforcement. */
export interface DynamicAuthObserver {
  dropped(reason: DynamicAuthDropReason): void;
  finished(step: string, result: StepResult['result']): void;
}

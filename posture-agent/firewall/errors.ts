/**
 * Errors of the agent's host firewall, with stable codes. They never leave `HostFirewall.apply`
 * as exceptions: they come back inside a `failed` result (and in the log), with the original
 * error as `cause`.
 */
export const HOST_FIREWALL_ERRORS = {
  KENNEKI_ERR_HOST_FIREWALL_APPLY: 'the host firewall rules could not be applied',
  KENNEKI_ERR_HOST_FIREWALL_UNSUPPORTED: 'this platform has no host firewall backend',
  KENNEKI_ERR_HOST_FIREWALL_STATE: 'the host firewall state file cannot be read or written',
} as const;

export type HostFirewallErrorCode = keyof typeof HOST_FIREWALL_ERRORS;

export class HostFirewallError extends Error {
  readonly code: HostFirewallErrorCode;

  constructor(code: HostFirewallErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? HOST_FIREWALL_ERRORS[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HostFirewallError';
    this.code = code;
  }
}

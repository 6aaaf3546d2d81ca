/**
 * Errors of the policy server. Every error has a stable code (documented in README.md, checked by
 * a test), an HTTP status where it can reach the API, and chains its original error as `cause`.
 */

export const POLICY_ERRORS = {
  KENNEKI_ERR_CONFIG_INVALID: { status: 500, message: 'configuration is invalid' },
  KENNEKI_ERR_CONFIG_UNREADABLE: { status: 500, message: 'configuration file cannot be read' },
  KENNEKI_ERR_SECRET_UNRESOLVED: { status: 500, message: 'a secret reference cannot be resolved' },
  KENNEKI_ERR_STORE_MIGRATION: { status: 500, message: 'store migration failed' },
  KENNEKI_ERR_STORE_CONFLICT: { status: 409, message: 'the record already exists' },
  KENNEKI_ERR_NOT_FOUND: { status: 404, message: 'not found' },
  KENNEKI_ERR_NO_OPEN_SESSION: { status: 409, message: 'the endpoint has no open posture session' },
  KENNEKI_ERR_ENROLLMENT_UNAVAILABLE: { status: 409, message: 'device enrollment is not available' },
  KENNEKI_ERR_VALIDATION: { status: 400, message: 'request is invalid' },
  KENNEKI_ERR_TOO_LARGE: { status: 413, message: 'request body is too large' },
  KENNEKI_ERR_UNAUTHENTICATED: { status: 401, message: 'authentication required' },
  KENNEKI_ERR_FORBIDDEN: { status: 403, message: 'not allowed for this role' },
  KENNEKI_ERR_DEFINITIONS_INVALID: { status: 400, message: 'definitions feed is invalid' },
  KENNEKI_ERR_POSTURE_INVALID: { status: 400, message: 'posture report is invalid' },
  KENNEKI_ERR_VERSION_INVALID: { status: 400, message: 'version string is invalid' },
  KENNEKI_ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const;

export type PolicyErrorCode = keyof typeof POLICY_ERRORS;

export class KennekiError extends Error {
  readonly code: PolicyErrorCode;
  readonly statusCode: number;
  /** Machine-readable detail, e.g. the JSON path of an invalid value. */
  readonly details?: Record<string, unknown>;

  constructor(code: PolicyErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? POLICY_ERRORS[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KennekiError';
    this.code = code;
    this.statusCode = POLICY_ERRORS[code].status;
    if (options?.details) this.details = options.details;
  }
}

export function isKennekiError(e: unknown, code?: PolicyErrorCode): e is KennekiError {
  return e instanceof KennekiError && (code === undefined || e.code === code);
}

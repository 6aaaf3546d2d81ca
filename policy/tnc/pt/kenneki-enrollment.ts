/**
 * Kenneki's enrollment exchange, carried as vendor-defined PT-TLS messages (RFC 6876 §3.5 lets a
 * vendor define message types under its own PEN: here `pt_tls.vendor_id`). Enrollment rides the
 * PT-TLS port because that is what a quarantined device can already reach, and because it is
 * always TLS with Kenneki's CA: the agent checks the CA against the token's pin before sending.
 *
 * After the version exchange the client sends one Enrollment Request instead of a SASL selection
 * or a first batch; the server answers one Enrollment Response and closes. Bodies are UTF-8 JSON,
 * bounded and schema-checked on both sides.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { PT_ERROR, WireError } from '../wire-error.js';
import type { PtMessage } from './message.js';

export const KENNEKI_PT_TYPE = { ENROLLMENT_REQUEST: 1, ENROLLMENT_RESPONSE: 2 } as const;

/** A CSR is about 0.5–1.5 KB of PEM; certificates a little more. 64 KiB bounds a hostile body. */
export const MAX_ENROLLMENT_BODY_BYTES = 64 * 1024;

export const EnrollmentRequestSchema = Type.Object(
  {
    /** The token's secret part only: the pin already did its job on the client. */
    secret: Type.String({ minLength: 1, maxLength: 128 }),
    /** PKCS#10, PEM. */
    csr: Type.String({ minLength: 1, maxLength: 16_384 }),
    /** What the device calls itself: /etc/machine-id, MachineGuid, IOPlatformUUID. */
    machineId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  },
  { additionalProperties: false },
);
export type EnrollmentRequest = Static<typeof EnrollmentRequestSchema>;

/** Why an enrollment was refused; stable codes the agent turns into clear messages. */
export const ENROLLMENT_ERRORS = ['token-unknown', 'token-used', 'token-expired', 'csr-invalid', 'device-taken', 'not-available', 'internal'] as const;
export type EnrollmentErrorCode = (typeof ENROLLMENT_ERRORS)[number];

export const EnrollmentResponseSchema = Type.Union([
  Type.Object(
    {
      ok: Type.Literal(true),
      tenantId: Type.String({ maxLength: 64 }),
      endpointId: Type.String({ maxLength: 64 }),
      /** The certificate CN: the identity the device's posture is filed under. */
      deviceId: Type.String({ maxLength: 64 }),
      certificate: Type.String({ maxLength: 16_384 }),
      caCertificate: Type.String({ maxLength: 16_384 }),
      /** `kd_…`, for servers that authenticate with SASL PLAIN rather than mutual TLS. */
      deviceCredential: Type.String({ maxLength: 128 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { ok: Type.Literal(false), code: Type.Union(ENROLLMENT_ERRORS.map((c) => Type.Literal(c))), message: Type.String({ maxLength: 1024 }) },
    { additionalProperties: false },
  ),
]);
export type EnrollmentResponse = Static<typeof EnrollmentResponseSchema>;

const ajv = new Ajv({ allErrors: false, strict: true });
const checkRequest = ajv.compile(EnrollmentRequestSchema);
const checkResponse = ajv.compile(EnrollmentResponseSchema);
const TEXT = new TextDecoder('utf-8', { fatal: true });

function decodeJson(body: Uint8Array, check: (v: unknown) => boolean, what: string): unknown {
  if (body.length > MAX_ENROLLMENT_BODY_BYTES) throw new WireError('pt-tls', PT_ERROR.INVALID_PARAMETER, `${what} of ${body.length} bytes exceeds ${MAX_ENROLLMENT_BODY_BYTES}`, 16);
  let v: unknown;
  try {
    v = JSON.parse(TEXT.decode(body));
  } catch {
    throw new WireError('pt-tls', PT_ERROR.INVALID_PARAMETER, `${what} is not UTF-8 JSON`, 16);
  }
  if (!check(v)) throw new WireError('pt-tls', PT_ERROR.INVALID_PARAMETER, `${what} does not match its schema`, 16);
  return v;
}

export const isEnrollmentRequest = (m: PtMessage, vendor: number): boolean => m.vendor === vendor && m.type === KENNEKI_PT_TYPE.ENROLLMENT_REQUEST;
export const isEnrollmentResponse = (m: PtMessage, vendor: number): boolean => m.vendor === vendor && m.type === KENNEKI_PT_TYPE.ENROLLMENT_RESPONSE;

export function encodeEnrollmentRequest(vendor: number, r: EnrollmentRequest, id: number): PtMessage {
  return { vendor, type: KENNEKI_PT_TYPE.ENROLLMENT_REQUEST, id, body: Buffer.from(JSON.stringify(r), 'utf8') };
}

export function decodeEnrollmentRequest(m: PtMessage): EnrollmentRequest {
  return decodeJson(m.body, checkRequest, 'enrollment request') as EnrollmentRequest;
}

export function encodeEnrollmentResponse(vendor: number, r: EnrollmentResponse, id: number): PtMessage {
  return { vendor, type: KENNEKI_PT_TYPE.ENROLLMENT_RESPONSE, id, body: Buffer.from(JSON.stringify(r), 'utf8') };
}

export function decodeEnrollmentResponse(m: PtMessage): EnrollmentResponse {
  return decodeJson(m.body, checkResponse, 'enrollment response') as EnrollmentResponse;
}

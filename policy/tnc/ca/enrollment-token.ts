/**
 * One-time enrollment tokens. The admin API issues `kt1.<secret>.<pin>`: the secret proves the
 * admin's consent to enroll one device (the server keeps only its SHA-256), and the pin is the
 * SHA-256 of Kenneki's CA certificate (DER, base64url), so the agent can check it is talking to
 * the right server before it sends the secret — one string to copy, nothing to trust on first use.
 * Same idea as kubeadm's `--discovery-token-ca-cert-hash`, carried inside the token.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';

export const ENROLLMENT_TOKEN_PREFIX = 'kt1';

const B64URL = /^[A-Za-z0-9_-]{43}$/;

/** base64url SHA-256 of the certificate's DER: what a token pins. */
export function pinOfDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

export const caPinOf = (certPem: string): string => pinOfDer(new X509Certificate(certPem).raw);

export const secretHashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function newEnrollmentToken(caCertPem: string): { token: string; secretHash: string; pin: string } {
  const secret = randomBytes(32).toString('base64url');
  const pin = caPinOf(caCertPem);
  return { token: `${ENROLLMENT_TOKEN_PREFIX}.${secret}.${pin}`, secretHash: secretHashOf(secret), pin };
}

/** The token's parts, or a message saying what is wrong with it (never echoing the secret). */
export function parseEnrollmentToken(token: string): { secret: string; pin: string } | { error: string } {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[0] !== ENROLLMENT_TOKEN_PREFIX) return { error: `not a Kenneki enrollment token (expected ${ENROLLMENT_TOKEN_PREFIX}.<secret>.<ca pin>)` };
  const [, secret, pin] = parts as [string, string, string];
  if (!B64URL.test(secret)) return { error: 'the token secret is malformed (was the token cut short when copied?)' };
  if (!B64URL.test(pin)) return { error: 'the token CA pin is malformed (was the token cut short when copied?)' };
  return { secret, pin };
}

/**
 * pino with the redactions every component relies on: secrets, passwords, tokens, device
 * credentials and Authorization headers never reach a log line, whatever gets logged by mistake.
 */
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'secret',
  'password',
  'token',
  'credential',
  'deviceCredential',
  '*.secret',
  '*.password',
  '*.token',
  '*.credential',
  '*.deviceCredential',
  '*.bootstrap_password',
  '*.bind_password',
  'req.headers.authorization',
  'headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { svc: 'kenneki' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

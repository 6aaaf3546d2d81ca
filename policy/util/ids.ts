/** Identifiers and credential secrets. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** A high-entropy secret, URL-safe. 32 bytes: a fast hash is enough to store it. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

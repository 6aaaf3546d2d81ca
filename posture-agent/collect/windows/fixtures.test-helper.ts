/** Tests only: a recorded output from fixtures/, byte for byte (CRLF and all). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export const fixture = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');

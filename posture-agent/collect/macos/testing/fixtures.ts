/** Test helper: recorded command output under ../fixtures. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export const fixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');

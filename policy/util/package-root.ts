/**
 * The package root, found from this file whether it runs from sources (vitest) or from dist/.
 * Migrations and other shipped data files are read relative to it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kenneki') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('kenneki package root not found');
    dir = parent;
  }
}

/**
 * The compiled JavaScript of a module beside the caller, for a worker process or thread to run.
 * From dist/ that is simply next to the caller; under vitest the caller is TypeScript source, and
 * the same path under dist/ is used (the test setup builds it).
 */
export function compiledSibling(callerUrl: string, file: string): string {
  const here = fileURLToPath(callerUrl);
  if (!here.endsWith('.ts')) return join(dirname(here), file);
  const root = packageRoot();
  return join(root, 'dist', relative(root, dirname(here)), file);
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

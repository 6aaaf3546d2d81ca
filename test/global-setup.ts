/**
 * Tests that spawn the real `kenneki` process run the compiled CLI, so compile first (incremental:
 * a no-op when dist/ is current). `npm ci` builds too; this keeps local runs honest after edits.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
}

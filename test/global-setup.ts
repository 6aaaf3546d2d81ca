/**
 * Tests that spawn the real `kenneki` process run the compiled CLI, so compile first (incremental:
 * a no-op when dist/ is current). `npm ci` builds too; this keeps local runs honest after edits.
 * The agent's single-file bundle is rebuilt as well (under a second): devices run the bundle, so
 * the tests run it too.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  execFileSync('npm', ['run', '--silent', 'build:agent'], { stdio: 'inherit', cwd: root });
}

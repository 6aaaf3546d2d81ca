/**
 * `npm run bench [-- name...]`: runs the foundation benchmarks in order (or the named ones) and
 * prints one summary table. Temp dirs and child servers are cleaned up on success, failure and
 * Ctrl-C alike.
 */
import { agentBench } from './agent.js';
import { allowlistBench } from './allowlist.js';
import { fmt, machine, printFigures, runCleanups, type Bench, type BenchResult } from './common.js';
import { dhcpBench } from './dhcp.js';
import { engineBench } from './engine.js';
import { identityBench } from './identity.js';
import { ingestBench } from './ingest.js';
import { listBench } from './list.js';
import { pdpIngestBench } from './pdp-ingest.js';
import { radiusCoaBench } from './radius-coa.js';
import { radiusEapTlsBench } from './radius-eap-tls.js';
import { radiusIdentityBench } from './radius-identity.js';
import { radiusMabBench } from './radius-mab.js';
import { ptTlsBench } from './pt-tls.js';
import { rssBench } from './rss.js';

const BENCHES: Bench[] = [engineBench, ingestBench, pdpIngestBench, listBench, rssBench, ptTlsBench, agentBench, identityBench, radiusMabBench, radiusEapTlsBench, radiusCoaBench, radiusIdentityBench, dhcpBench, allowlistBench];

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')} (have: ${BENCHES.map((b) => b.name).join(', ')})`);
    return 2;
  }
  const selected = wanted.length ? BENCHES.filter((b) => wanted.includes(b.name)) : BENCHES;
  const started = Date.now();
  console.log(`Kenneki benchmarks: ${selected.map((b) => b.name).join(', ')}`);
  console.log(`machine: ${machine()}`);
  console.log(`date:    ${new Date().toISOString()}`);

  const results: BenchResult[] = [];
  let failed = false;
  for (const b of selected) {
    const t0 = Date.now();
    try {
      results.push(await b.run());
    } catch (err) {
      failed = true;
      console.error(`\nbenchmark ${b.name} failed:`, err);
      results.push({ name: b.name, figures: [{ label: `${b.name}: FAILED`, value: err instanceof Error ? err.message.slice(0, 60) : 'error', met: false }] });
    } finally {
      await runCleanups('bench');
    }
    console.log(`(${b.name} took ${fmt.n((Date.now() - t0) / 1000)} s)`);
  }

  console.log(`\n=== summary (${fmt.n((Date.now() - started) / 1000)} s) ===`);
  console.log(`machine: ${machine()}`);
  printFigures(results.flatMap((r) => r.figures));
  const missed = results.flatMap((r) => r.figures).filter((f) => f.met === false);
  if (missed.length > 0) console.log(`\ntargets missed: ${missed.map((f) => f.label).join('; ')}`);
  return failed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

main().then(
  async (code) => {
    await runCleanups();
    process.exit(code);
  },
  async (err: unknown) => {
    console.error(err);
    await runCleanups();
    process.exit(1);
  },
);

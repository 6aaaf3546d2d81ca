import { fleet } from '/work/main/dist/simulations/bench/store-100k.js';
import { runCleanups } from '/work/main/dist/simulations/bench/common.js';
import Database from 'better-sqlite3';
const f = await fleet();
const db = new Database(f.dbPath, { readonly: true });
try {
  for (const r of db.prepare("select name, sum(pgsize)/1048576.0 mb, count(*) pages from dbstat group by name order by 2 desc limit 20").all()) console.log(r.name.padEnd(45), r.mb.toFixed(1));
} catch (e) { console.log(e.message); }
for (const t of ['endpoints', 'endpoint_posture', 'posture_snapshots', 'check_results', 'endpoint_findings', 'verdicts', 'identities', 'identity_groups']) {
  const r = db.prepare(`select count(*) c from ${t}`).get(); console.log(t, r.c);
}
console.log('avg decision', db.prepare('select avg(length(decision)) a from endpoints').get().a, 'avg facts', db.prepare('select avg(length(facts)) a from endpoint_posture').get().a, 'avg result', db.prepare('select avg(length(result)) a from check_results').get().a);
db.close(); await runCleanups();

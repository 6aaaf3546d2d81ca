/**
 * Opening the SQLite store: WAL for concurrent readers and crash safety, synchronous=NORMAL (in WAL
 * a committed transaction survives a process crash; only an OS crash can lose the last commits),
 * foreign keys on, and the committed drizzle migrations applied.
 */
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KennekiError } from '../../errors.js';
import { packageRoot } from '../../util/package-root.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;

export interface OpenedSqlite {
  db: Db;
  raw: Database.Database;
}

export interface OpenSqliteOptions {
  /** Apply the committed migrations (default true). */
  migrate?: boolean;
  /** Refresh missing or outdated planner statistics (default true). */
  analyze?: boolean;
}

export function openSqlite(path: string, opts: OpenSqliteOptions = {}): OpenedSqlite {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  // Deleted rows are overwritten, not left in free pages: a purge (retention, endpoint deletion)
  // must really remove the data from the file (seed 000).
  raw.pragma('secure_delete = ON');
  // 48 MiB of page cache (the default is 2 MiB): list filters at 100k endpoints touch tens of MB
  // of index and row pages; with a tiny cache every query re-reads them from the OS.
  raw.pragma('cache_size = -49152');
  const db = drizzle(raw, { schema });
  // Two connections write to the file (this one and the assessment writer thread's). A deferred
  // transaction that reads first cannot take the write lock once the other connection committed
  // after its read began (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not retry). BEGIN IMMEDIATE
  // takes the write lock first, waiting out the other writer within busy_timeout.
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn, config) => transaction(fn, { behavior: 'immediate', ...config })) as Db['transaction'];
  if (opts.migrate !== false) applyMigrations(db);
  if (opts.analyze === false) return { db, raw };
  // Planner statistics: without them SQLite guesses, and guesses badly at 100k endpoints (scans
  // for selective filters). At open, tables with missing or outdated statistics get a full
  // ANALYZE (seconds at 100k endpoints, and only when needed): a sampled one reads just the
  // first entries of each index, which are unrepresentative (NULL owners, the first tenant).
  raw.pragma('analysis_limit = 0');
  raw.pragma('optimize = 0x10002');
  return { db, raw };
}

export function applyMigrations(db: Db): void {
  try {
    migrate(db, { migrationsFolder: join(packageRoot(), 'policy/store/sqlite/migrations') });
  } catch (cause) {
    throw new KennekiError('KENNEKI_ERR_STORE_MIGRATION', `store migration failed: ${(cause as Error).message}`, { cause });
  }
}

// The embedded default: one SQLite file, no server. WAL lets readers run beside the single
// writer, and other processes (a second worker, `relais send`) may open the same file.
import BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import { Kysely, sql, type SqliteDatabase } from 'kysely';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import type { SecretBox } from '../kysely/secrets.ts';
import { kyselyStore } from '../kysely/store.ts';
import { PatientSqliteDialect } from './busy-retry.ts';

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; the dispatcher runs the same few statements thousands of
 * times a second, so keep the prepared ones (least recently used out first).
 */
function withStatementCache(database: BetterSqlite3.Database, onPrepare?: (sql: string) => void): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        onPrepare?.(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** `onPrepare` sees each statement's text as it is first prepared (the query-plan test reads them). */
export function sqliteStore(path: string, box: SecretBox, onPrepare?: (sql: string) => void, log?: Logger): Store {
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL'); // durable across process crashes; WAL checkpoint on power loss
  database.pragma('busy_timeout = 0'); // busy statements are retried without blocking: busy-retry.ts
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new PatientSqliteDialect({ database: withStatementCache(database, onPrepare) }) });
  return kyselyStore({ engine: 'sqlite', db, claimLock: sql``, box, log });
}

// The embedded default: one SQLite file, no server. WAL lets readers run beside the single
// writer, and other processes (a second worker, `relais send`) may open the same file.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import type { SecretBox } from '../kysely/secrets.ts';
import { kyselyStore } from '../kysely/store.ts';

export function sqliteStore(path: string, box: SecretBox): Store {
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL'); // durable across process crashes; WAL checkpoint on power loss
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return kyselyStore({ engine: 'sqlite', db, claimLock: sql``, box });
}

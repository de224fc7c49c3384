// Retention (issue 19) deletes old rows from the three big tables all day long. On PostgreSQL a
// deleted row's space is reused only once (auto)vacuum has been through the table, and by default
// autovacuum waits for 20% of a table's rows to be dead (autovacuum_vacuum_scale_factor 0.2): on a
// store of a million deliveries, 200,000 dead rows of each table, hundreds of MB written anew
// before any is reused. These tables are vacuumed at 2% instead (analyzed at 5%), so that what
// the pruner frees is reused soon and the store stops growing near its retention's worth.
// Autovacuum's speed (cost delay and limit) stays the server's. Nothing on SQLite, whose freed
// pages are reused at once.
//
// Autovacuum itself must be on (the default): with `autovacuum = off` in the server's
// configuration no table is vacuumed but to prevent wraparound, whatever these settings say, and
// a PostgreSQL store under retention then grows for ever unless VACUUM is run by hand.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

const TABLES = ['deliveries', 'attempts', 'events'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
const onPostgres = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  if (!onPostgres(db)) return;
  for (const table of TABLES) {
    await sql`ALTER TABLE ${sql.table(table)} SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  if (!onPostgres(db)) return;
  for (const table of TABLES) {
    await sql`ALTER TABLE ${sql.table(table)} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)`.execute(db);
  }
}

// PostgreSQL, for several processes sharing one database: claims skip rows another worker has
// locked, so workers never wait on each other or take the same delivery twice.
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import type { SecretBox } from '../kysely/secrets.ts';
import { kyselyStore } from '../kysely/store.ts';
import { postgresDueSignal } from './due-signal.ts';

const INT8_OID = 20;

// Our bigints are epoch milliseconds, well inside Number's exact range.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number.parseInt(v, 10) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

// The dispatcher's claims and results commit asynchronously: PostgreSQL acknowledges before
// the WAL reaches the disk. A server crash may forget the last fraction of a second of them,
// which at worst sends those deliveries again (at-least-once allows it) — the same trade as
// SQLite's WAL with synchronous=NORMAL. It saves a disk flush per claim and per batch of
// results. Ingest, and everything else, keeps its synchronous commit: an accepted event is on disk.
// Every statement on these connections finds its rows through an index (query-plans.test.ts), and
// the planner is kept from the scans it chose when its statistics lag the tables (a fresh table,
// a burst since the last ANALYZE). No bitmap scans: it took the claim's `ORDER BY due_at, id
// LIMIT n` as a bitmap scan of every due row and a sort of them all, on every claim — twice the
// server CPU per claimed delivery of the ordered scan of the queue index that stops after n rows
// (`npm run bench:store`, 20,000 due).
// Nor sequential scans: with a table larger than the statistics say, the results' UPDATE …
// FROM (VALUES …) was planned as a hash join over a scan of every delivery, once per batch.
export const QUEUE_OPTIONS = '-c synchronous_commit=off -c enable_bitmapscan=off -c enable_seqscan=off';
const QUEUE_POOL_SIZE = 4;

export interface PostgresOptions {
  onIdleError?: (err: Error) => void;
  /** Config.processId: NOTIFYs carrying it are this process's own. */
  processId?: string;
  poolSize?: number;
  /** Sees each statement the queue's connections run (its query-plan test reads them). */
  onQueueQuery?: (query: CompiledQuery) => void;
}

export function postgresStore(connectionString: string, box: SecretBox, { onIdleError = () => {}, processId, poolSize = 10, onQueueQuery }: PostgresOptions = {}): Store {
  // Pools connect on first use: an API-only process never opens the queue's connections.
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  const queuePool = new pg.Pool({ connectionString, max: QUEUE_POOL_SIZE, types, options: QUEUE_OPTIONS });
  // An idle connection that dies (server restart, network blip) is dropped and replaced by the
  // pool; without a listener its 'error' event would crash the process. Queries in flight
  // report their own errors.
  pool.on('error', onIdleError);
  queuePool.on('error', onIdleError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const queueDb = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: queuePool }),
    ...(onQueueQuery && { log: (event) => { if (event.level === 'query') onQueueQuery(event.query); } }),
  });
  const dueSignal = postgresDueSignal(pool, connectionString, onIdleError, processId);
  return kyselyStore({ engine: 'postgres', db, queueDb, claimLock: sql`FOR UPDATE SKIP LOCKED`, box, dueSignal });
}

// PostgreSQL, for several processes sharing one database: claims skip rows another worker has
// locked, so workers never wait on each other or take the same delivery twice.
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type CompiledQuery, type LogEvent } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import type { SecretBox } from '../kysely/secrets.ts';
import { kyselyStore } from '../kysely/store.ts';
import { postgresDueSignal } from './due-signal.ts';
import { ingestStatement } from './ingest-statement.ts';

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
  /** Sees each statement run, and whether on the queue's connections (the query-plan test reads them). */
  onQuery?: (query: CompiledQuery, queue: boolean) => void;
  log?: Logger | undefined;
}

// A request waits at most this long for a connection (the server unreachable, no answer at all)
// before it is answered 503: a down database must not hold requests until the client gives up.
const CONNECT_TIMEOUT_MS = 5_000;

export function postgresStore(connectionString: string, box: SecretBox, { onIdleError = () => {}, processId, poolSize = 10, onQuery, log }: PostgresOptions = {}): Store {
  // Pools connect on first use: an API-only process never opens the queue's connections.
  const settings = { connectionString, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true };
  const pool = new pg.Pool({ ...settings, max: poolSize });
  const queuePool = new pg.Pool({ ...settings, max: QUEUE_POOL_SIZE, options: QUEUE_OPTIONS });
  for (const p of [pool, queuePool]) {
    // An idle connection that dies (server restart, network blip) is dropped and replaced by the
    // pool. A connection checked out of it has no such listener: one the server ends between two
    // statements of a transaction (a restart says so to every session) emits 'error' with no
    // query to fail, which, unheard, would end the process. Its statements fail on their own
    // (the transaction's next one, as unavailable), and the pool drops it when it comes back.
    p.on('error', onIdleError);
    p.on('connect', (client) => client.on('error', () => {}));
  }
  const seen = (queue: boolean) => onQuery && { log: (event: LogEvent) => { if (event.level === 'query') onQuery(event.query, queue); } };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...seen(false) });
  const queueDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: queuePool }), ...seen(true) });
  const self = processId ?? randomUUID();
  const dueSignal = postgresDueSignal(pool, connectionString, onIdleError, self);
  return kyselyStore({ engine: 'postgres', db, queueDb, claimLock: sql`FOR UPDATE SKIP LOCKED`, box, dueSignal, log, ingestStatement: ingestStatement(self) });
}

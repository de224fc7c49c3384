// PostgreSQL, for several processes sharing one database: claims skip rows another worker has
// locked, so workers never wait on each other or take the same delivery twice.
import { Kysely, PostgresDialect, sql } from 'kysely';
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

export function postgresStore(connectionString: string, box: SecretBox, onIdleError: (err: Error) => void = () => {}, poolSize = 10): Store {
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  // An idle connection that dies (server restart, network blip) is dropped and replaced by the
  // pool; without a listener its 'error' event would crash the process. Queries in flight
  // report their own errors.
  pool.on('error', onIdleError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const dueSignal = postgresDueSignal(pool, connectionString, onIdleError);
  return kyselyStore({ engine: 'postgres', db, claimLock: sql`FOR UPDATE SKIP LOCKED`, box, dueSignal });
}

// A fresh store per engine and session (a SQLite file in a temporary folder, or a PostgreSQL
// database made for the session and dropped after, at DATABASE_URL or the local default), and a
// connection of the harness's own to it: live deliveries left, the store's size, how many
// deliveries it holds, and the prefill's SQL.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Engine } from '../src/store/store.ts';
import { makeEngine, type EngineFixture } from '../test/helpers/engines.ts';
import { processesCpu } from './cpu.ts';

export type { Engine };

export const STORE_SIZE_METHOD: Record<Engine, string> = {
  sqlite: '(page_count − freelist_count) × page_size after the scenario minus before, WAL included',
  postgres: 'pg_database_size after the scenario minus before (dead row versions included, no VACUUM)',
};

/** The SQL the harness runs on the store: the probes, and the prefill (prefill.ts). */
export interface Sql {
  engine: Engine;
  all<T>(text: string, params?: unknown[]): Promise<T[]>;
  run(text: string, params?: unknown[]): Promise<void>;
}

export interface Probe {
  /** Deliveries still pending or being delivered (read through the queue's partial index). */
  live(): Promise<number>;
  sizeBytes(): Promise<number>;
  deliveries(): Promise<number>;
  statuses(tenantId: string): Promise<Record<string, number>>;
  /**
   * CPU time so far of the database server's processes that work for this store, by pid: on
   * PostgreSQL its backends and the server's shared ones (WAL writer, checkpointer, autovacuum
   * launcher…), not other databases' backends (other runs and tests share this server); undefined
   * on SQLite (inside Relais). Diff two readings with serverCpuSince (cpu.ts).
   */
  serverCpu(): Promise<Map<number, number> | undefined>;
}

/** The harness's connection to a store. */
export type Connection = Sql & Probe & { close(): Promise<void> };

export interface BenchStore {
  engine: Engine;
  /** What to give `relais serve`. */
  env: Record<string, string>;
  /** Opens a connection of the harness's own (after Relais has created the schema). */
  connect(): Promise<Connection>;
  dispose(): Promise<void>;
}

function probes(sql: Sql): Probe {
  const one = async (text: string, params?: unknown[]): Promise<number> => Number((await sql.all<{ n: number | string }>(text, params))[0]?.n ?? 0);
  return {
    live: () => one("SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'delivering')"),
    sizeBytes: () => one(sql.engine === 'sqlite'
      ? 'SELECT (p.page_count - f.freelist_count) * s.page_size AS n FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s'
      : 'SELECT pg_database_size(current_database()) AS n'),
    deliveries: () => one('SELECT count(*) AS n FROM deliveries'),
    statuses: async (tenantId) => Object.fromEntries((await sql.all<{ status: string; n: number | string }>(
      'SELECT status, count(*) AS n FROM deliveries WHERE tenant_id = $1 GROUP BY status', [tenantId])).map((r) => [r.status, Number(r.n)])),
    serverCpu: async () => (sql.engine === 'sqlite' ? undefined
      : processesCpu((await sql.all<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL')).map((r) => r.pid), 'postgres')),
  };
}

function sqliteConnection(path: string): Connection {
  const db = new Database(path, { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  // PostgreSQL's $1 placeholders, so the callers write one text for both engines.
  const prepare = (text: string) => db.prepare(text.replace(/\$\d+/g, '?'));
  const sql: Sql = {
    engine: 'sqlite',
    all: async <T>(text: string, params: unknown[] = []) => prepare(text).all(...params) as T[],
    run: async (text, params = []) => { prepare(text).run(...params); },
  };
  return { ...sql, ...probes(sql), close: async () => { db.close(); } };
}

async function postgresConnection(url: string): Promise<Connection> {
  const client = new pg.Client({ connectionString: url });
  // A dropped connection (the database dropped on an interrupt) fails the next query; it must not
  // crash the harness as an unhandled 'error' event first.
  client.on('error', () => undefined);
  await client.connect();
  const sql: Sql = {
    engine: 'postgres',
    all: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    run: async (text, params = []) => { await client.query(text, params); },
  };
  return { ...sql, ...probes(sql), close: () => client.end() };
}

/** A connection to the fixture's store (its SQLite file must exist: a store opened it first). */
export const connect = (fixture: EngineFixture): Promise<Connection> =>
  (fixture.databaseUrl ? postgresConnection(fixture.databaseUrl) : Promise.resolve(sqliteConnection(fixture.sqlitePath)));

/** A fresh SQLite file or PostgreSQL database, made and dropped as the e2e tests make theirs. */
export async function makeStore(engine: Engine): Promise<BenchStore> {
  const fixture = await makeEngine(engine);
  const url = fixture.databaseUrl;
  return {
    engine,
    env: url ? { DATABASE_URL: url } : { RELAIS_DB: fixture.sqlitePath },
    connect: () => connect(fixture),
    dispose: () => fixture.dispose(),
  };
}

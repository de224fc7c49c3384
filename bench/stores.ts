// A fresh store per engine and session (a SQLite file in a temporary folder, or a PostgreSQL
// database made for the run and dropped after), and a second connection to it that the harness
// reads on its own: live deliveries left, the store's size, how many deliveries it holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type Engine = 'sqlite' | 'postgres';
export const PG_BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

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
}

export interface BenchStore {
  engine: Engine;
  /** What to give `relais serve`. */
  env: Record<string, string>;
  /** Opens the harness's own connection (after Relais has created the schema). */
  connect(): Promise<Sql & Probe & { close(): Promise<void> }>;
  dispose(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_BASE_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_BASE_URL}: ${(err as Error).message}. Start it or set DATABASE_URL, or run with --engine sqlite.`);
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
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
  };
}

function sqliteConnection(path: string): Sql & Probe & { close(): Promise<void> } {
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

async function postgresConnection(url: string): Promise<Sql & Probe & { close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sql: Sql = {
    engine: 'postgres',
    all: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    run: async (text, params = []) => { await client.query(text, params); },
  };
  return { ...sql, ...probes(sql), close: () => client.end() };
}

let made = 0;

export async function makeStore(engine: Engine): Promise<BenchStore> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
    const path = join(dir, 'relais.db');
    return {
      engine, env: { RELAIS_DB: path },
      connect: async () => sqliteConnection(path),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `relais_bench_${process.pid}_${made++}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_BASE_URL);
  url.pathname = `/${name}`;
  return {
    engine, env: { DATABASE_URL: url.toString() },
    connect: () => postgresConnection(url.toString()),
    dispose: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

// Every e2e suite runs on both engines: a fresh SQLite file, and a fresh PostgreSQL database
// made on the server at DATABASE_URL (or the local default). PostgreSQL being down is a failure,
// not a skip: CI must not pass with half the suite unrun.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Engine } from '../../src/store/store.ts';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];
export const PG_BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface EngineFixture {
  engine: Engine;
  /** What to put in Config: databaseUrl for PostgreSQL, sqlitePath for SQLite. */
  databaseUrl: string | undefined;
  sqlitePath: string;
  dispose(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_BASE_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_BASE_URL}: ${(err as Error).message}. Start it (see README) or set DATABASE_URL.`);
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function makeEngine(engine: Engine): Promise<EngineFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-test-'));
  const sqlitePath = join(dir, 'relais.db');
  if (engine === 'sqlite') {
    return { engine, databaseUrl: undefined, sqlitePath, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `relais_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_BASE_URL);
  url.pathname = `/${name}`;
  return {
    engine,
    databaseUrl: url.toString(),
    sqlitePath,
    dispose: async () => {
      rmSync(dir, { recursive: true, force: true });
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Rows as stored, read (or written) past the Store, as one with a copy of the database would: `$1`-style parameters on both engines. */
export async function rawRows<T>(fixture: EngineFixture, query: string, params: unknown[] = []): Promise<T[]> {
  if (!fixture.databaseUrl) {
    const db = new BetterSqlite3(fixture.sqlitePath);
    try {
      const statement = db.prepare(query.replace(/\$\d+/g, '?'));
      if (!statement.reader) return (statement.run(...params), []);
      return statement.all(...params) as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: fixture.databaseUrl });
  await client.connect();
  try {
    return (await client.query(query, params)).rows as T[];
  } finally {
    await client.end();
  }
}

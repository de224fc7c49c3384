// Multi-row statements written as text, for the hot paths (ingest, claim, results): Kysely's
// builder and compiler spend several µs a delivery turning hundreds of values into nodes and back
// into text, where the text is a pattern that only the row counts change. The text is made once
// per engine and shape, and run as a CompiledQuery with its parameters flat.
import { CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import type { Engine } from '../store.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * A piece of a statement: text as it is, or a list of `rows` rows of the pattern `row`, joined by
 * commas. Every `?` is a parameter (numbered $1… on PostgreSQL, in the order of the text), so none
 * may stand in a literal.
 */
export type Segment = string | { row: string; rows: number };

/** A statement with one `VALUES` list: `head`, the rows, `tail`. */
export interface ValuesStatement {
  head: string;
  row: string;
  tail: string;
}

const cache = new Map<string, string>();

function text(engine: Engine, segments: readonly Segment[]): string {
  const key = `${engine}\n${segments.map((s) => (typeof s === 'string' ? s : `${s.rows}\n${s.row}`)).join('\n')}`;
  let out = cache.get(key);
  if (out !== undefined) return out;
  let n = 0;
  const numbered = (pattern: string): string => (engine === 'postgres' ? pattern.replace(/\?/g, () => `$${++n}`) : pattern);
  out = segments.map((s) => (typeof s === 'string' ? numbered(s) : Array.from({ length: s.rows }, () => numbered(s.row)).join(', '))).join(' ');
  if (cache.size > 256) cache.clear(); // row counts vary little; a bound all the same
  cache.set(key, out);
  return out;
}

/** Runs the statement `segments` make with `params`: each `?`'s, in the order of the text. */
export function runText<R>(db: Db, engine: Engine, segments: readonly Segment[], params: readonly unknown[]): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(text(engine, segments), params as unknown[]));
}

/** Runs `statement` for `rows` rows with `params`: the head's, each row's, then the tail's, flat. */
export function runValues<R>(db: Db, engine: Engine, statement: ValuesStatement, rows: number, params: readonly unknown[]): Promise<QueryResult<R>> {
  return runText<R>(db, engine, [statement.head, { row: statement.row, rows }, statement.tail], params);
}

/**
 * Inserts `rows` into `table`, each with the `columns` named (in that order; a column a row lacks
 * goes as NULL); `tail` follows the VALUES (ON CONFLICT, RETURNING).
 */
export function insertRows<R, T extends object>(db: Db, engine: Engine, table: string, columns: readonly (keyof T & string)[], rows: readonly T[], tail = ''): Promise<QueryResult<R>> {
  const statement: ValuesStatement = { head: `INSERT INTO ${table} (${columns.join(', ')}) VALUES`, row: `(${columns.map(() => '?').join(', ')})`, tail };
  const params: unknown[] = [];
  for (const row of rows) for (const column of columns) params.push(row[column] ?? null);
  return runValues<R>(db, engine, statement, rows.length, params);
}

/** `SELECT * FROM table WHERE id IN (…ids)`. */
export function selectByIds<R>(db: Db, engine: Engine, table: string, ids: readonly string[]): Promise<QueryResult<R>> {
  return runValues<R>(db, engine, { head: `SELECT * FROM ${table} WHERE id IN (`, row: '?', tail: ')' }, ids.length, ids);
}

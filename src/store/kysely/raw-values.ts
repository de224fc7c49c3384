// Multi-row statements written as text, for the hot paths (ingest, claim, results): Kysely's
// builder and compiler spend several µs a delivery turning hundreds of values into nodes and back
// into text, where the text is a pattern that only the row counts change. The text is made once
// per engine and shape, and run as a CompiledQuery with its parameters flat.
import { CompiledQuery, sql, type Kysely, type QueryResult, type RawBuilder, type Transaction } from 'kysely';
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

/** A column of a row list: its name, and its SQL type as CAST takes it. */
export type ListColumn = readonly [name: string, type: 'text' | 'bigint' | 'integer'];

/**
 * `name(columns…) AS (…)`: rows a statement reads as a relation, for a WITH clause. On SQLite a
 * VALUES list, a parameter a value. On PostgreSQL one JSON array of the rows, read back by
 * json_to_recordset: the same text and one parameter whatever the number of rows, where a VALUES
 * list of a hundred rows (a thousand parameters or more) cost the server more to parse and plan
 * than to run (docs/benchmark.md, "Issue 17, fifth look"). JSON rather than one array a column:
 * node-postgres writes arrays in JavaScript, four times slower than JSON.stringify. A lone
 * surrogate becomes U+FFFD, as node-postgres makes it of a text parameter (PostgreSQL's JSON
 * refuses its escape). `rows`: each row's values, in column order.
 */
export function rowList(engine: Engine, name: string, columns: readonly ListColumn[], rows: readonly (readonly unknown[])[]): { segments: Segment[]; params: unknown[] } {
  const head = `${name}(${columns.map(([column]) => column).join(', ')}) AS (`;
  if (engine === 'postgres') {
    const objects = rows.map((row) => {
      const o: Record<string, unknown> = {};
      columns.forEach(([column], i) => {
        const value = row[i];
        o[column] = typeof value === 'string' ? value.toWellFormed() : value ?? null;
      });
      return o;
    });
    const record = columns.map(([column, type]) => `${column} ${type}`).join(', ');
    // The planner takes a function's rows for 100. LIMIT (it plans with the parameters' values)
    // brings that down for a small batch, which it joined by hashing a whole index; it cannot
    // raise it, so these run on the queue's connections, where no table is read whole (engine.ts).
    return { segments: [`${head}SELECT * FROM json_to_recordset(CAST(? AS json)) AS r(${record}) LIMIT CAST(? AS bigint))`], params: [JSON.stringify(objects), rows.length] };
  }
  return { segments: [`${head}VALUES`, { row: `(${columns.map(([, type]) => `CAST(? AS ${type})`).join(', ')})`, rows: rows.length }, ')'], params: rows.flat() };
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

/**
 * PostgreSQL: `= ANY` of a JSON array of texts, one parameter whatever their number (see rowList).
 * An array made by a sub-select is one the planner cannot count, so it takes it for a few values
 * and reaches them through the column's index; `IN (SELECT …)` was planned for 100 rows, LIMIT or
 * not, and at 500 idempotency keys it hashed them and read every event of the tenant
 * (docs/benchmark.md, "Issue 17, sixth look").
 */
const ANY_JSON = ['= ANY(ARRAY(SELECT json_array_elements_text(CAST(', ' AS json))))'] as const;
const jsonTexts = (values: readonly string[]): string => JSON.stringify(values.map((v) => v.toWellFormed()));

/** `column IN (…values)`: on PostgreSQL one JSON parameter (ANY_JSON), on SQLite a parameter a value. */
export function inList(engine: Engine, column: string, values: readonly string[]): RawBuilder<boolean> {
  if (engine === 'postgres') return sql<boolean>`${sql.ref(column)} ${sql.raw(ANY_JSON[0])}${jsonTexts(values)}${sql.raw(ANY_JSON[1])}`;
  return sql<boolean>`${sql.ref(column)} IN (${sql.join(values)})`;
}

/** `SELECT * FROM table WHERE id IN (…ids)`, as inList writes it. */
export function selectByIds<R>(db: Db, engine: Engine, table: string, ids: readonly string[]): Promise<QueryResult<R>> {
  if (engine === 'postgres') return runText<R>(db, engine, [`SELECT * FROM ${table} WHERE id ${ANY_JSON.join('?')}`], [jsonTexts(ids)]);
  return runValues<R>(db, engine, { head: `SELECT * FROM ${table} WHERE id IN (`, row: '?', tail: ')' }, ids.length, ids);
}

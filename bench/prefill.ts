// Fills a store with finished deliveries, straight in SQL, so a scenario can show whether the
// cost of a delivery depends on how many are already stored (indexes, not scans).
// Each filled row is a copy of one real row that Relais itself wrote (an event of the `prefill`
// tenant, its delivery and its attempt, sent just before), with new ids: every column, present
// or added by a later migration, is as Relais writes it. The copies are made by the database
// (a recursive CTE on SQLite, generate_series on PostgreSQL), in transactions of CHUNK rows.
import type { Sql } from './stores.ts';

const CHUNK = 50_000;
const TABLES = [
  { table: 'events', prefix: 'evt', links: {} },
  { table: 'deliveries', prefix: 'dlv', links: { event_id: 'evt' } },
  { table: 'attempts', prefix: 'att', links: { delivery_id: 'dlv' } },
] as const;

export interface Template { events: string; deliveries: string; attempts: string }

/**
 * How the copies are dated and retried, when not as the template: every `…_at` column the
 * template has set becomes `from + (n − first) × stepMs` (row n's time, so older rows have
 * smaller numbers, as Relais' own ids do), and each `retries` entry gives every `every`-th
 * delivery `extra` more attempts (copies of the template's, ids `att_R…`).
 */
export interface Shape {
  at?: { from: number; stepMs: number };
  retries?: { every: number; extra: number }[];
}

/** `evt_000…0042`: 26 digits, as long as Relais' ids and sorting before them (older). */
function idOf(engine: Sql['engine'], prefix: string): string {
  return engine === 'sqlite' ? `'${prefix}_' || printf('%026d', s.n)` : `'${prefix}_' || lpad(s.n::text, 26, '0')`;
}

async function columns(sql: Sql, table: string): Promise<string[]> {
  const rows = await sql.all<{ name: string }>(sql.engine === 'sqlite'
    ? 'SELECT name FROM pragma_table_info($1)'
    : 'SELECT column_name AS name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position', [table]);
  return rows.map((r) => r.name);
}

async function copyStatement(sql: Sql, table: string, prefix: string, links: Record<string, string>, first: number, shape: Shape,
  extra?: { every: number; k: number }): Promise<string> {
  const cols = await columns(sql, table);
  const at = shape.at;
  const n = sql.engine === 'sqlite' ? 's.n' : 's.n::bigint';
  const value = (col: string): string => {
    if (col === 'id' && extra) {
      return sql.engine === 'sqlite' ? `'att_R' || printf('%02d', ${extra.k}) || printf('%023d', s.n)` : `'att_R' || lpad('${extra.k}', 2, '0') || lpad(s.n::text, 23, '0')`;
    }
    if (col === 'id') return idOf(sql.engine, prefix);
    if (links[col]) return idOf(sql.engine, links[col]);
    if (col === 'idempotency_key') return `'prefill-' || s.n`;
    if (at && col.endsWith('_at')) return `CASE WHEN t.${col} IS NULL THEN NULL ELSE ${Math.round(at.from)} + (${n} - ${first}) * ${Math.round(at.stepMs)} END`;
    return `t.${col}`;
  };
  const select = `SELECT ${cols.map(value).join(', ')} FROM`;
  const only = extra ? ` AND s.n % ${extra.every} = 0` : '';
  return sql.engine === 'sqlite'
    ? `WITH RECURSIVE s(n) AS (SELECT $1 UNION ALL SELECT n + 1 FROM s WHERE n < $2) INSERT INTO ${table} (${cols.join(', ')}) ${select} s, ${table} t WHERE t.id = $3${only}`
    : `INSERT INTO ${table} (${cols.join(', ')}) ${select} generate_series($1::int, $2::int) AS s(n), ${table} t WHERE t.id = $3${only}`;
}

/**
 * Adds `count` copies of the template rows, numbered from `first`, dated and retried as `shape`
 * says (as the template, by default). Calls onProgress after each transaction with the number
 * added so far.
 */
export async function prefill(sql: Sql, template: Template, first: number, count: number, onProgress: (done: number) => void, shape: Shape = {}): Promise<void> {
  const statements: { text: string; id: string }[] = [];
  for (const t of TABLES) statements.push({ text: await copyStatement(sql, t.table, t.prefix, t.links, first, shape), id: template[t.table] });
  let k = 0;
  for (const r of shape.retries ?? []) {
    for (let i = 0; i < r.extra; i++) {
      statements.push({ text: await copyStatement(sql, 'attempts', 'att', { delivery_id: 'dlv' }, first, shape, { every: r.every, k: k++ }), id: template.attempts });
    }
  }
  for (let from = first; from < first + count; from += CHUNK) {
    const to = Math.min(first + count - 1, from + CHUNK - 1);
    await sql.run('BEGIN');
    try {
      for (const s of statements) await sql.run(s.text, [from, to, s.id]);
      await sql.run('COMMIT');
    } catch (err) {
      await sql.run('ROLLBACK');
      throw err;
    }
    onProgress(to - first + 1);
  }
  await settle(sql);
}

/**
 * What the database would have done long since to rows this old: on PostgreSQL, autovacuum's
 * statistics and visibility map (and dead rows' space made reusable), then a checkpoint; on
 * SQLite, the WAL copied into the file. Otherwise the scenario would pay for writing out the
 * fill in the background.
 */
export async function settle(sql: Sql): Promise<void> {
  if (sql.engine === 'postgres') {
    for (const t of TABLES) await sql.run(`VACUUM ANALYZE ${t.table}`);
    await sql.run('CHECKPOINT').catch(() => undefined); // needs pg_checkpoint or superuser: best effort
  } else {
    await sql.run('PRAGMA wal_checkpoint(TRUNCATE)');
  }
}

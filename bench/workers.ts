// `--scenario workers` (PostgreSQL): Relais as a cluster — an API process and 1, 2, 3 worker
// processes on one database (relais-child.ts startCluster) — running the batch scenario, a backlog
// every delivery of which a worker claims (an API-only process hands nothing off). A row per
// worker count: delivered/s, and the CPU per delivery of every Relais process and of the server.
// And whether claims wait on each other's locks: every LOCK_POLL_MS the harness reads which of
// the store's backends wait on a heavyweight lock (pg_stat_activity's wait_event_type 'Lock'),
// what on (pg_locks) and in which statement — a claim is `UPDATE deliveries SET status =
// 'delivering' … FOR UPDATE SKIP LOCKED` — and the deadlocks pg_stat_database counted meanwhile.
// A claim waiting on another transaction (its rows, a tuple, a table) fails the target; one
// waiting to extend a relation (PostgreSQL adding a page to the table or an index, which every
// writer takes in turn, the API's inserts too, one worker or three) is counted apart.
// A reading is a snapshot: a wait shorter than the interval can fall between two, so the count is
// of waits seen, a floor; the JSON keeps the interval with it.
import type { Sql } from './stores.ts';

export const WORKER_COUNTS = [1, 2, 3] as const;
export const workersScenario = (workers: number): string => `workers-${workers}`;
const LOCK_POLL_MS = 10;
/** How long PostgreSQL may take to publish a backend's counters (pg_stat_database's deadlocks). */
const STATS_FLUSH_MS = 1_100;
const CLAIM = /UPDATE deliveries SET status = 'delivering'/i;

export interface LockWaits {
  interval_ms: number;
  /** Readings of pg_stat_activity over the scenario. */
  samples: number;
  /** Backends seen waiting on a lock, summed over the readings. */
  waits: number;
  /** Of those, claims waiting on another transaction: its row or tuple locks, a table lock. */
  claim_waits: number;
  /** Claims waiting to extend a relation (`extend`: a page added to deliveries or an index), whoever holds it. */
  claim_extend_waits: number;
  /** What was waited on, and by which statement (its first 200 characters), with how often. */
  seen: { lock: string; statement: string; count: number }[];
  deadlocks: number;
}

interface Seen { lock: string; target: string | null; statement: string }

const READ = `SELECT a.wait_event AS lock, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 200) AS statement,
  (SELECT string_agg(DISTINCT coalesce(l.relation::regclass::text, l.locktype), ',') FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) AS target
  FROM pg_stat_activity a WHERE a.datname = current_database() AND a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid()`;
const DEADLOCKS = 'SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()';

/** Starts reading; stop() ends it and returns what was seen. */
export async function watchLocks(sql: Sql): Promise<{ stop(): Promise<LockWaits> }> {
  const deadlocksBefore = Number((await sql.all<{ n: string }>(DEADLOCKS))[0]?.n ?? 0);
  const counts = new Map<string, { lock: string; statement: string; count: number }>();
  let samples = 0;
  let waits = 0;
  let claimWaits = 0;
  let claimExtendWaits = 0;
  let stopped = false;
  // A failed reading ends the loop; stop() reports it.
  const loop = (async () => {
    while (!stopped) {
      const rows = await sql.all<Seen>(READ);
      samples++;
      for (const r of rows) {
        waits++;
        if (CLAIM.test(r.statement)) {
          if (r.lock === 'extend') claimExtendWaits++;
          else claimWaits++;
        }
        const lock = r.target && r.target !== r.lock ? `${r.lock} on ${r.target}` : r.lock;
        const key = `${lock}\n${r.statement}`;
        const c = counts.get(key) ?? { lock, statement: r.statement, count: 0 };
        c.count++;
        counts.set(key, c);
      }
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  })().then(() => undefined, (err: unknown) => err);
  return {
    async stop() {
      stopped = true;
      const failed = await loop;
      if (failed) throw failed;
      await new Promise((r) => setTimeout(r, STATS_FLUSH_MS));
      const deadlocks = Number((await sql.all<{ n: string }>(DEADLOCKS))[0]?.n ?? 0) - deadlocksBefore;
      return {
        interval_ms: LOCK_POLL_MS, samples, waits, claim_waits: claimWaits, claim_extend_waits: claimExtendWaits,
        seen: [...counts.values()].sort((a, b) => b.count - a.count), deadlocks,
      };
    },
  };
}

/** One line per workers row, for the targets: the claims seen waiting, then whatever else was. */
export function lockLine(scenario: string, delivered: number, w: LockWaits): string {
  const others = w.seen.filter((x) => !CLAIM.test(x.statement));
  return `postgres ${scenario}: ${Math.round(delivered).toLocaleString('en-US')} deliveries/s; claims seen waiting on another transaction's lock: ${w.claim_waits} in ` +
    `${w.samples} readings ${w.interval_ms} ms apart, deadlocks: ${w.deadlocks} (target: claims never wait on each other's locks): ${w.claim_waits === 0 && w.deadlocks === 0 ? 'met' : 'NOT met'}; ` +
    `claims seen waiting to extend a relation: ${w.claim_extend_waits}` +
    (others.length ? `; other statements seen waiting: ${others.slice(0, 3).map((x) => `${x.count}× ${x.lock} in "${x.statement.slice(0, 56)}…"`).join(', ')}` : '; no other statement seen waiting');
}

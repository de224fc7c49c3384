// The pruner: in each process with the worker role, one pass every `intervalMs` (jittered ±20%,
// so that workers started together do not prune in step) removes what RELAIS_RETENTION no longer
// keeps, through Store.prune, a batch at a time with a pause between batches, so that the
// dispatcher's statements get the database between them. A pass ends at the first batch that
// comes back short; a failed batch (the database away) ends the pass, and the next one tries again.
//
// Modes: idle (a timer set) → pruning (a pass running) → idle; stop() from either → stopped.
import type { Logger } from 'pino';
import type { Engine, PruneCounts, Store } from '../store/store.ts';

export interface PrunerOptions {
  /** Its engine, when told, sets the batch and the pause (PRUNE_BATCH, PAUSE_FACTOR); SQLite's when not. */
  store: Pick<Store, 'prune'> & Partial<Pick<Store, 'engine'>>;
  /** How long finished deliveries and unreferenced events are kept; 0 keeps everything (no pruner). */
  retentionMs: number;
  intervalMs: number;
  log: Logger;
  now?: () => number;
  /** Rows per statement; by default PRUNE_BATCH for the store's engine. */
  batch?: number;
  /** Between batches of one pass, at least (and at least PAUSE_FACTOR × what the batch took). */
  pauseMs?: number;
}

export interface Pruner {
  /** One pass now, to the end (tests, and the timer). */
  pass(): Promise<PruneCounts>;
  stop(): Promise<void>;
}

/**
 * Rows per statement. SQLite's batch holds the write lock and the thread (its statements are
 * synchronous), so it stays small. PostgreSQL's holds neither (row locks on old rows no one else
 * wants, on a connection of its own): a batch costs a few round trips and statements whatever its
 * size, so larger ones prune more rows for the same share of the time (the pause below).
 */
export const PRUNE_BATCH: Record<Engine, number> = { sqlite: 100, postgres: 250 };
const PAUSE_MS = 20;
/**
 * The pause after a batch is at least this many times what the batch took: the pruner holds the
 * store (SQLite: the write lock, and the thread, whose statements are synchronous) at most a
 * third of the time, however slow a batch is on a busy machine. PostgreSQL's batches take a core
 * of the database server's while they run, and autovacuum another after them (the space they
 * free): a fifth of the time at most (issue 19's bench: at a third, 500-row batches pruned
 * 3,800 rows a second and put p99 at ×1.39 of no pruning's).
 */
const PAUSE_FACTOR: Record<Engine, number> = { sqlite: 2, postgres: 4 };

export function startPruner({ store, retentionMs, intervalMs, log, now = Date.now, batch = PRUNE_BATCH[store.engine ?? 'sqlite'], pauseMs = PAUSE_MS }: PrunerOptions): Pruner {
  const pauseFactor = PAUSE_FACTOR[store.engine ?? 'sqlite'];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PruneCounts> | undefined;

  async function runPass(): Promise<PruneCounts> {
    const total: PruneCounts = { deliveries: 0, attempts: 0, events: 0 };
    const before = now() - retentionMs;
    while (!stopped) {
      const started = performance.now();
      const got = await store.prune(before, batch);
      const tookMs = performance.now() - started;
      total.deliveries += got.deliveries;
      total.attempts += got.attempts;
      total.events += got.events;
      if (got.deliveries < batch && got.events < batch) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(pauseMs, tookMs * pauseFactor)));
    }
    if (total.deliveries + total.events > 0) log.info({ pruned: total, before }, 'retention: pruned');
    return total;
  }

  function pass(): Promise<PruneCounts> {
    running ??= runPass().finally(() => { running = undefined; });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    const delay = Math.round(intervalMs * (0.8 + Math.random() * 0.4));
    timer = setTimeout(() => {
      pass().catch((err: unknown) => log.warn({ err }, 'retention: a pass failed; the next one tries again')).finally(schedule);
    }, delay);
    timer.unref();
  }

  if (retentionMs > 0) schedule();
  return {
    pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

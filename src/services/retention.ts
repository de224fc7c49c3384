// The pruner: in each process with the worker role, one pass every `intervalMs` (jittered ±20%,
// so that workers started together do not prune in step) removes what RELAIS_RETENTION no longer
// keeps, through Store.prune, a batch at a time with a pause between batches, so that the
// dispatcher's statements get the database between them. A pass ends at the first batch that
// comes back short; a failed batch (the database away) ends the pass, and the next one tries again.
//
// Modes: idle (a timer set) → pruning (a pass running) → idle; stop() from either → stopped.
import type { Logger } from 'pino';
import type { PruneCounts, Store } from '../store/store.ts';

export interface PrunerOptions {
  store: Pick<Store, 'prune'>;
  /** How long finished deliveries and unreferenced events are kept; 0 keeps everything (no pruner). */
  retentionMs: number;
  intervalMs: number;
  log: Logger;
  now?: () => number;
  /** Rows per statement. */
  batch?: number;
  /** Between batches of one pass, at least (and at least PAUSE_FACTOR × what the batch took). */
  pauseMs?: number;
}

export interface Pruner {
  /** One pass now, to the end (tests, and the timer). */
  pass(): Promise<PruneCounts>;
  stop(): Promise<void>;
}

export const PRUNE_BATCH = 100;
const PAUSE_MS = 20;
/**
 * The pause after a batch is at least this many times what the batch took: the pruner holds the
 * store (SQLite: the write lock, and the thread, whose statements are synchronous) at most a
 * third of the time, however slow a batch is on a busy machine.
 */
const PAUSE_FACTOR = 2;

export function startPruner({ store, retentionMs, intervalMs, log, now = Date.now, batch = PRUNE_BATCH, pauseMs = PAUSE_MS }: PrunerOptions): Pruner {
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
      await new Promise((resolve) => setTimeout(resolve, Math.max(pauseMs, tookMs * PAUSE_FACTOR)));
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

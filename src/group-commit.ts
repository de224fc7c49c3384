// Group commit: callers submit one item each; items that arrive in the same turn of the event
// loop (up to the next setImmediate), or while the previous batch is being written, are written
// together in one batch. Under load a write carries hundreds of items for one transaction's
// cost; at rest an item is written at once, or after `lingerMs` for a writer that would rather
// wait a little for company. Used for ingest, for attempt results and for parks.

export interface GroupCommit<T, R> {
  /** Resolves with this item's result once its batch is written; rejects if the batch failed. */
  submit(item: T): Promise<R>;
  /** Resolves once everything submitted so far is written. */
  drain(): Promise<void>;
}

interface Waiting<T, R> { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }

/**
 * `write` gets the batch in submission order and returns one result per item, in that order.
 * `lingerMs`: a batch waits this long after its first item rather than a turn of the event loop.
 */
export function groupCommit<T, R>(write: (items: T[]) => Promise<R[]>, maxBatch = 1_000, lingerMs = 0): GroupCommit<T, R> {
  let queue: Waiting<T, R>[] = [];
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await write(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i] as R));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    flushing = undefined;
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        flushing ??= new Promise<void>((started) => (lingerMs > 0 ? setTimeout(started, lingerMs) : setImmediate(started))).then(flush);
      });
    },
    async drain() {
      while (flushing) await flushing;
    },
  };
}

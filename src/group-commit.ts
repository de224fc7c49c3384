// Group commit: callers submit one item each; items that arrive in the same turn of the event
// loop (up to the next setImmediate), or while the previous batch is being written, are written
// together in one batch. Under load a write carries hundreds of items for one transaction's
// cost; at rest an item is written at once, or after `lingerMs` for a writer that would rather
// wait a little for company. Used for ingest, for attempt results and for parks.
//
// A shared write answers each caller for itself: one item that cannot be written (a value the
// database refuses) must not fail the others, who may be other tenants.

export interface GroupCommit<T, R> {
  /** Resolves with this item's result once it is written; rejects with this item's own error. */
  submit(item: T): Promise<R>;
  /** Resolves once everything submitted so far is written. */
  drain(): Promise<void>;
}

/** A write's answer for one item that failed on its own: its caller is rejected with `error`, the others answered as usual. */
export class ItemFailed {
  constructor(readonly error: unknown) {}
}
export const itemFailed = (error: unknown): ItemFailed => new ItemFailed(error);

/** What `write` answers for each item, in order. */
export type ItemOutcome<R> = R | ItemFailed;

/** Whether a failed write may be an item's fault (split to find it), or is everyone's (the database is down: fail them all at once). */
export type Splits = (err: unknown) => boolean;

/**
 * Writes `items` with `write`; when it throws, writes them again in halves, down to single items,
 * so that everything that can be written is and only the item that broke the write fails, with
 * its own error. `write` must be all-or-nothing when it throws (one transaction): the halves are
 * written again. k bad items among n cost about k·log2(n) extra writes. An error `splits` says is
 * no item's fault fails every item at once: with the database down, halves would fail as well.
 */
export async function writeApart<T, R>(items: readonly T[], write: (items: T[]) => Promise<ItemOutcome<R>[]>, splits: Splits = () => true): Promise<ItemOutcome<R>[]> {
  if (items.length === 0) return [];
  let results: ItemOutcome<R>[];
  try {
    results = await write([...items]);
  } catch (err) {
    if (items.length === 1 || !splits(err)) return items.map(() => itemFailed(err));
    const half = Math.ceil(items.length / 2);
    // In order, one half after the other: items of one caller keep their order.
    const first = await writeApart(items.slice(0, half), write, splits);
    return [...first, ...(await writeApart(items.slice(half), write, splits))];
  }
  // A bug in the writer, not a bad item: it may have written them, so never write them again.
  if (results.length !== items.length) return items.map(() => itemFailed(new Error(`group commit: write answered ${results.length} results for ${items.length} items`)));
  return results;
}

interface Waiting<T, R> { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }

/**
 * `write` gets the batch in submission order and returns one outcome per item, in that order:
 * its result, or itemFailed(err) for an item that failed on its own (a write that commits in
 * several transactions must answer so, and never throw once one has committed). A write that
 * throws is retried apart (writeApart).
 * `lingerMs`: a batch waits this long after its first item rather than a turn of the event loop.
 */
export function groupCommit<T, R>(write: (items: T[]) => Promise<ItemOutcome<R>[]>, maxBatch = 1_000, lingerMs = 0, splits?: Splits): GroupCommit<T, R> {
  let queue: Waiting<T, R>[] = [];
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      const outcomes = await writeApart(batch.map((w) => w.item), write, splits);
      batch.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof ItemFailed) w.reject(outcome.error);
        else w.resolve(outcome as R);
      });
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

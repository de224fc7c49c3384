// Group commit for attempt results: a write waits for the end of the current turn of the event
// loop (setImmediate), so every response that arrived in the same I/O poll shares one
// transaction; while a batch is being written, the next accumulates. A busy dispatcher writes
// hundreds of completions per transaction, an idle one writes at once.
import type { Logger } from 'pino';
import type { Completion, FailureRecord, Store } from '../store/store.ts';

export function completionWriter(store: Store, now: () => number, log: Logger, onRecords: (records: FailureRecord[]) => void) {
  let queue: { completion: Completion; done: () => void }[] = [];
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        onRecords(await store.deliveries.complete(batch.map((b) => b.completion), now()));
      } catch (err) {
        // Nothing is lost: the deliveries stay leased and fall due again when the lease ends.
        log.error({ err, count: batch.length }, 'could not record delivery results; they will be retried when their lease ends');
      }
      for (const b of batch) b.done();
    }
    flushing = undefined;
  }

  return {
    /** Resolves once the completion is written (or its write has failed and been logged). */
    write(completion: Completion): Promise<void> {
      return new Promise((resolve) => {
        queue.push({ completion, done: resolve });
        flushing ??= new Promise<void>((started) => setImmediate(started)).then(flush);
      });
    },
    async drain(): Promise<void> {
      while (flushing) await flushing;
    },
  };
}

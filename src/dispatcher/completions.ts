// Attempt results are group-committed (see group-commit.ts): a busy dispatcher records hundreds
// of results per transaction, an idle one records each at once.
import type { Logger } from 'pino';
import type { Completion, FailureRecord, Store } from '../store/store.ts';
import { groupCommit } from '../group-commit.ts';

export function completionWriter(store: Store, now: () => number, log: Logger, onRecords: (records: FailureRecord[]) => void) {
  const writer = groupCommit<Completion, void>(async (batch) => {
    try {
      onRecords(await store.deliveries.complete(batch, now()));
    } catch (err) {
      // Nothing is lost: the deliveries stay leased and fall due again when the lease ends.
      log.error({ err, count: batch.length }, 'could not record delivery results; they will be retried when their lease ends');
    }
    return batch.map(() => undefined);
  });
  return {
    /** Resolves once the completion is written (or its write has failed and been logged). */
    write: (completion: Completion): Promise<void> => writer.submit(completion),
    drain: (): Promise<void> => writer.drain(),
  };
}

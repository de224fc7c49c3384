// Attempt results are group-committed (see group-commit.ts): a busy dispatcher records hundreds
// of results per transaction, an idle one records each within a couple of milliseconds.
import type { Logger } from 'pino';
import type { Completion, FailureRecord, Store } from '../store/store.ts';
import { groupCommit } from '../group-commit.ts';

/**
 * How long a result waits for others to share its transaction. Its webhook's turn has already
 * ended (its receiver answered), so only the record waits: a serial webhook's results, one per
 * request, went from a transaction each to a few per transaction (660-950 → 1,260-1,430
 * deliveries/s on SQLite), and single events gained a few percent.
 */
const RECORD_LINGER_MS = 2;

export function completionWriter(store: Store, now: () => number, log: Logger, onRecords: (records: FailureRecord[]) => void) {
  const writer = groupCommit<Completion, void>(async (batch) => {
    try {
      onRecords(await store.deliveries.complete(batch, now()));
    } catch (err) {
      // Nothing is lost: the deliveries stay leased and fall due again when the lease ends.
      log.error({ err, count: batch.length }, 'could not record delivery results; they will be retried when their lease ends');
    }
    return batch.map(() => undefined);
  }, 1_000, RECORD_LINGER_MS);
  return {
    /** Resolves once the completion is written (or its write has failed and been logged). */
    write: (completion: Completion): Promise<void> => writer.submit(completion),
    drain: (): Promise<void> => writer.drain(),
  };
}

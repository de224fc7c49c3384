// The leasing port (services/deps.ts): how ingest stores fresh deliveries already leased to this
// process's dispatcher while it has free slots, so that they need no claim to be found and no query to load
// their event. Each ingest makes one reservation: it takes slots (credits.ts) inside its
// transaction, and when the transaction has ended, settles: what it stored leased is handed to
// the scheduler (here, or in its thread), the slots it did not use go back.
import type { IngestLeasing } from '../services/deps.ts';
import type { ClaimedDelivery } from '../store/store.ts';
import type { Credits } from './credits.ts';

export function ingestLeasing(credits: Pick<Credits, 'take' | 'give'>, handOver: (leased: readonly ClaimedDelivery[]) => void): IngestLeasing {
  return {
    reserve() {
      let held = 0;
      return {
        take(n) {
          credits.give(held);
          return (held = credits.take(n));
        },
        settle(leased = []) {
          credits.give(held - leased.length);
          held = 0;
          if (leased.length) handOver(leased);
        },
      };
    },
  };
}

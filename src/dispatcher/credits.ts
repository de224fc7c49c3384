// The dispatcher's free slots, as credits ingest may spend: a delivery ingest makes with a credit
// is stored already leased to this process's dispatcher and handed to it straight after the commit
// (ingest-leasing.ts, Scheduler.receive), with no claim to find it and no query to load its event. One Int32 in
// shared memory, so the API's thread and a dispatcher thread both see it.
//
// The dispatcher publishes credits only while it has no backlog: deliveries waiting in the store
// are sent first, and a fresh one must not overtake them.
export interface Credits {
  /** Takes up to `n` credits; returns how many it got. */
  take(n: number): number;
  /** Adds credits: the dispatcher's free slots, or what ingest took and did not spend. */
  give(n: number): void;
  /** Takes every credit back; returns how many there were. */
  withdraw(): number;
  readonly available: number;
}

export function sharedCredits(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)): Credits & { buffer: SharedArrayBuffer } {
  const cell = new Int32Array(buffer, 0, 1);
  return {
    buffer,
    take(n) {
      for (;;) {
        const have = Atomics.load(cell, 0);
        const got = Math.min(have, n);
        if (got <= 0) return 0;
        if (Atomics.compareExchange(cell, 0, have, have - got) === have) return got;
      }
    },
    give(n) {
      if (n > 0) Atomics.add(cell, 0, n);
    },
    withdraw: () => Atomics.exchange(cell, 0, 0),
    get available() {
      return Atomics.load(cell, 0);
    },
  };
}

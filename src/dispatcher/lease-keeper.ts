// Leases are short and renewed while their worker lives. A claimed delivery is leased for
// RELAIS_LEASE (10 s on PostgreSQL, 4 s on SQLite by default); every third of that, the worker
// pushes the lease of everything it holds (being sent, waiting for its tenant's turn or its
// webhook's gate, its result waiting to be written) one lease further, in one statement. A
// worker killed mid-flight stops renewing, and its deliveries fall due within one lease: they
// are taken back in seconds, not after a long lease chosen to outlast the slowest request — and a
// request slower than the lease never loses it.
import type { Logger } from 'pino';
import type { ClaimedDelivery, Store } from '../store/store.ts';
import { StoreUnavailableError } from '../store/faults.ts';

export interface LeaseKeeperDeps {
  store: Store;
  leaseMs: number;
  log: Logger;
  now: () => number;
}

export function createLeaseKeeper({ store, leaseMs, log, now }: LeaseKeeperDeps) {
  const held = new Map<string, string>(); // delivery id → its lease id
  let timer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> | undefined;

  async function renew(): Promise<void> {
    if (held.size === 0) return;
    const leases = [...held].map(([deliveryId, leaseId]) => ({ deliveryId, leaseId }));
    try {
      const kept = new Set(await store.deliveries.renew(leases, now() + leaseMs, now()));
      // One no longer leased (recorded, given back, parked, or taken over) needs no renewing.
      for (const l of leases) if (!kept.has(l.deliveryId) && held.get(l.deliveryId) === l.leaseId) held.delete(l.deliveryId);
    } catch (err) {
      // The database away: the leases may run out meanwhile (at-least-once: sent again at worst).
      if (!(err instanceof StoreUnavailableError)) log.error({ err, count: leases.length }, 'could not renew leases');
    }
  }

  return {
    /** This worker holds `claimed` from now on. */
    keep(claimed: ClaimedDelivery): void {
      held.set(claimed.delivery.id, claimed.leaseId);
    },
    /** This worker is done with it (its result is recorded, or it went back to the store). */
    drop(deliveryId: string): void {
      held.delete(deliveryId);
    },
    start(): void {
      timer ??= setInterval(() => {
        renewing ??= renew().finally(() => { renewing = undefined; });
      }, Math.max(100, Math.floor(leaseMs / 3)));
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await renewing;
    },
    get size(): number {
      return held.size;
    },
  };
}

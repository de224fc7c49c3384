// Deliveries waiting for their tenant's turn (tenant-shares.ts says when one may go): they are
// here, leased, holding no slot. One goes back to the store untouched — no attempt made, its
// retry schedule as it was — when it has waited half a lease (lest another worker take it over)
// or when the dispatcher stops: into its webhook's lane if it was claimed from there (it keeps its
// place in line), else pending and due at once, for the next claim that does not step over its
// tenant.
import type { Logger } from 'pino';
import type { ClaimedDelivery, Store } from '../store/store.ts';
import type { Limits } from './gates.ts';
import type { createLanes } from './lanes.ts';
import type { createTenantShares } from './tenant-shares.ts';
import type { Webhook } from '../core/model.ts';

/** A delivery waiting for a slot its tenant may take; `fromLane`: it was next in its webhook's lane. */
export interface Waiter {
  claimed: ClaimedDelivery;
  fromLane: boolean;
}

export interface TenantTurnDeps {
  store: Store;
  lanes: ReturnType<typeof createLanes>;
  shares: ReturnType<typeof createTenantShares<Waiter>>;
  limitsOf: (webhook: Webhook) => Limits;
  /** How long a delivery may wait for its tenant's turn before it goes back to the store. */
  waitMs: number;
  log: Logger;
  now: () => number;
  /** A delivery went back to the store due now: a claim may find it. */
  released: () => void;
  /** This worker lets go of a delivery it gives back: its lease is no longer renewed (lease-keeper.ts). */
  letGo: (deliveryId: string) => void;
}

export function createTenantTurns({ store, lanes, shares, limitsOf, waitMs, log, now, released, letGo }: TenantTurnDeps) {
  let expiry: NodeJS.Timeout | undefined;
  const returning = new Set<Promise<void>>(); // deliveries on their way back to the store

  function giveBack({ claimed, fromLane }: Waiter): void {
    const { delivery, leaseId, webhook } = claimed;
    // Before the store hears of it: should giving it back fail (the database away), its lease must
    // run out for another claim to take it, not be renewed here for ever.
    letGo(delivery.id);
    const back = fromLane && webhook
      ? lanes.park(claimed, limitsOf(webhook), now()).then(() => lanes.drain(webhook.id))
      : store.deliveries.release([{ deliveryId: delivery.id, leaseId }], now()).then(released);
    const done: Promise<void> = back
      .catch((err: unknown) => log.error({ err, delivery: delivery.id }, 'could not give back a delivery waiting for its tenant\'s turn; it falls due when its lease ends'))
      .finally(() => returning.delete(done));
    returning.add(done);
  }

  function expireLater(): void {
    if (expiry) return;
    expiry = setTimeout(() => {
      expiry = undefined;
      for (const waiter of shares.expired(now() - waitMs)) giveBack(waiter);
      if (shares.waiting > 0) expireLater();
    }, waitMs / 2).unref();
  }

  return {
    giveBack,
    /** A delivery has started waiting: make sure the waits are watched. */
    waiting: expireLater,
    /** Gives back every delivery still waiting (stopping). */
    giveBackAll(): void {
      clearTimeout(expiry);
      expiry = undefined;
      for (const waiter of shares.clear()) giveBack(waiter);
    },
    /** Resolves once every delivery given back is in the store. */
    settled: async (): Promise<void> => {
      await Promise.all(returning);
    },
  };
}

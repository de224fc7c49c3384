// Lanes: where a webhook's deliveries wait while it cannot take more (at its concurrency cap
// with a full queue here, out of rate-limit tokens, its circuit open). Such a delivery is parked:
// given back to the store under its webhook's id, with its lease's length as a deadline. The
// dispatcher claims a lane's deliveries, oldest first, as its gate has room (gates.ts room()):
// when one of the webhook's requests ends, when a token or the breaker's cooldown is due, or
// when a slot frees up for a lane that found none. Parked deliveries are not due to the other
// claims before their deadline, so a busy webhook never fills the dispatcher's slots with
// deliveries that must be handed back; the deadline, renewed while the lane is drained, only
// matters if this worker dies. A lane found empty is closed and the gate lets deliveries in again.
// A lane claims no more than its tenant may take of the dispatcher's slots (tenant-shares.ts).
import type { Logger } from 'pino';
import { newId } from '../ids.ts';
import { groupCommit } from '../group-commit.ts';
import type { ClaimedDelivery, Store } from '../store/store.ts';
import type { Webhook } from '../core/model.ts';
import type { createGates, Limits } from './gates.ts';

const CLAIM_MAX = 100;
const ERROR_BACKOFF_MS = 1_000;

interface Lane {
  limits: Limits;
  /** Whose webhook: its claims take no more slots than the tenant may (tenant-shares.ts). */
  tenantId: string;
  /** Parks being written now, and parks written so far: a claim that came back short closes the lane only if neither moved. */
  parking: number;
  parked: number;
  draining: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface LaneDeps {
  store: Store;
  gates: ReturnType<typeof createGates>;
  leaseMs: number;
  log: Logger;
  now: () => number;
  /** Dispatcher slots free now for this tenant's deliveries (lanes' claims in flight already counted out: see reserved). */
  freeSlots: (tenantId: string) => number;
  running: () => boolean;
  /** Sends a delivery claimed from its lane. */
  run: (claimed: ClaimedDelivery) => void;
  /** A lane's claim has ended: the slots it did not use are free again. */
  claimed: () => void;
  /** A webhook's limits, as its gate applies them. */
  limitsOf: (webhook: Webhook) => Limits;
}

export function createLanes({ store, gates, leaseMs, log, now, freeSlots, running, run, claimed: afterClaim, limitsOf }: LaneDeps) {
  const lanes = new Map<string, Lane>();
  const starved = new Set<string>(); // lanes with room at their gate but no free slot (for their tenant)
  const claims = new Set<Promise<void>>();
  let reserved = 0; // slots promised to lane claims in flight
  let renewal: NodeJS.Timeout | undefined;
  const parks = groupCommit<{ deliveryId: string; leaseId: string; dueAt: number; webhookId: string }, void>(async (batch) => {
    await store.deliveries.park(batch, now());
    return batch.map(() => undefined);
  });

  /** Keeps the lanes' deadlines ahead while they are drained, so their deliveries are not claimed as abandoned. */
  function renewLater(): void {
    if (renewal || lanes.size === 0) return;
    renewal = setTimeout(() => {
      renewal = undefined;
      if (!running() || lanes.size === 0) return;
      store.deliveries.renewParked([...lanes.keys()], now() + leaseMs, now())
        .catch((err: unknown) => log.error({ err }, 'could not renew parked deliveries; they may be claimed again, and parked again'))
        .finally(renewLater);
    }, leaseMs / 2).unref();
  }

  function close(id: string, lane: Lane): void {
    clearTimeout(lane.timer);
    lanes.delete(id);
    starved.delete(id);
    gates.unpark(id);
  }

  /**
   * A parked delivery's due time: a lease's length after it may go at the earliest. Not `until`
   * itself, or at a breaker's reopening the ordinary claim would race the lane for its
   * deliveries, and could send a later one first.
   */
  const deadline = (until: number): number => Math.max(until, now()) + leaseMs;

  /** Opens the webhook's lane if need be and parks the delivery there, counted while in flight (see Lane). */
  async function park(claimed: ClaimedDelivery, limits: Limits, until: number): Promise<void> {
    const id = claimed.delivery.webhookId;
    let lane = lanes.get(id);
    if (!lane) lanes.set(id, lane = { limits, tenantId: claimed.delivery.tenantId, parking: 0, parked: 0, draining: false, timer: undefined });
    lane.limits = limits;
    gates.park(id, now());
    lane.parking++;
    try {
      await parks.submit({ deliveryId: claimed.delivery.id, leaseId: claimed.leaseId, dueAt: deadline(until), webhookId: id });
    } finally {
      lane.parking--;
      lane.parked++;
      renewLater();
    }
  }

  function drain(id: string): void {
    const lane = lanes.get(id);
    if (!lane || lane.draining || !running()) return;
    clearTimeout(lane.timer);
    lane.timer = undefined;
    const at = now();
    const gate = gates.room(id, lane.limits, at);
    const free = freeSlots(lane.tenantId);
    const take = Math.min(gate.room, free, CLAIM_MAX);
    if (gate.room > 0 && free <= 0) starved.add(id);
    else starved.delete(id);
    if (take <= 0) {
      if (gate.at !== undefined) lane.timer = setTimeout(() => drain(id), Math.max(0, gate.at - at)).unref();
      return; // otherwise one of its requests ending, or a slot freeing, calls again
    }
    lane.draining = true;
    reserved += take;
    const before = { parking: lane.parking, parked: lane.parked };
    const claim = store.deliveries.claimParked(id, take, leaseMs, at, () => newId('lse')).then((batch) => {
      reserved -= take;
      lane.draining = false;
      if (!running()) {
        return store.deliveries.release(batch.map((c) => ({ deliveryId: c.delivery.id, leaseId: c.leaseId })), now());
      }
      // The webhook as just read: limits changed since it was parked apply from now on.
      const webhook = batch.find((c) => c.webhook)?.webhook;
      if (webhook) lane.limits = limitsOf(webhook);
      for (const claimed of batch) run(claimed);
      const empty = batch.length < take && before.parking === 0 && lane.parking === 0 && lane.parked === before.parked;
      if (empty) close(id, lane);
      else drain(id);
    }, (err: unknown) => {
      reserved -= take;
      lane.draining = false;
      log.error({ err, webhook: id }, 'could not claim a webhook\'s parked deliveries; trying again shortly');
      lane.timer = setTimeout(() => drain(id), ERROR_BACKOFF_MS).unref();
    }).catch((err: unknown) => {
      log.error({ err, webhook: id }, 'could not give back deliveries claimed from a lane while stopping; they fall due when their leases end');
    }).finally(() => {
      claims.delete(claim);
      afterClaim();
    });
    claims.add(claim);
  }

  return {
    /** Slots promised to lane claims in flight: not free for other claims. */
    get reserved(): number {
      return reserved;
    },

    /** Parks a leased delivery in its webhook's lane, not due before `until`; resolves once written. */
    park,

    /** A request to this webhook ended, or one of its deliveries was parked: claim from its lane if it has room. */
    drain(id: string): void {
      drain(id);
    },

    /** A slot freed up: lanes that had room but found no slot claim now. */
    drainStarved(): void {
      for (const id of starved) drain(id);
    },

    /** On stop, once sends have ended: the lanes' deliveries become due to any worker at once. */
    async close(): Promise<void> {
      clearTimeout(renewal);
      renewal = undefined;
      await Promise.all(claims);
      await parks.drain();
      const ids = [...lanes.keys()];
      for (const [id, lane] of lanes) close(id, lane);
      await store.deliveries.unpark(ids, now());
    },
  };
}

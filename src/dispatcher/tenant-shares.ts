// How the dispatcher's slots are shared between tenants, so that one tenant whose receivers hold
// every request open (a tarpit), or who floods a webhook with a high max_concurrency, cannot take
// them all. Pure state: no clock (times are handed in), no I/O.
//
// The policy, for `slots` slots:
// - a tenant holding fewer than `guaranteed` slots may always take a free one;
// - beyond that, a tenant may take one only while `reserve` slots stay free after it.
// So a tenant alone borrows up to slots − reserve, and the last `reserve` slots are kept for
// tenants below their guarantee: another tenant's delivery finds a slot at once, however long the
// first tenant's requests hang. Slots are never taken back, so it is the reserve, not a share of
// what is held, that keeps others moving; once the borrower's requests end, the slots go to whoever
// is due. With `reserve` 0 there is no policy: first come, first served.
//
// A delivery that reaches the dispatcher while its tenant may take no slot (handed over by ingest,
// claimed in the batch in which its tenant reached the limit, claimed from a lane) waits here,
// leased, holding no slot, in arrival order; at most `waitingMax` in all, beyond which it goes back
// to the store. When a slot frees up, waiting deliveries go first, the tenant holding the fewest
// slots first. A tenant that may take no slot, or has deliveries waiting here, is skipped by the
// store's claims (skipped()), so the oldest-due-first claim does not keep bringing its backlog back.
export interface ShareSettings {
  slots: number;
  /** Slots that no tenant holding `guaranteed` or more may take. */
  reserve: number;
  /** Slots a tenant may always hold (while any is free). */
  guaranteed: number;
  /** Deliveries that may wait here for their tenant's turn, all tenants together. */
  waitingMax: number;
}

interface Waiting<T> {
  item: T;
  since: number;
}

export function createTenantShares<T>({ slots, reserve, guaranteed, waitingMax }: ShareSettings) {
  const held = new Map<string, number>();
  const waiting = new Map<string, Waiting<T>[]>(); // per tenant, in arrival order; no empty lists
  let busy = 0;
  let waitingCount = 0;

  const holding = (tenant: string): number => held.get(tenant) ?? 0;

  /** How many more slots the tenant may take now. */
  function allowance(tenant: string): number {
    const free = slots - busy;
    return Math.max(0, Math.min(free, Math.max(guaranteed - holding(tenant), free - reserve)));
  }

  function take(tenant: string): void {
    held.set(tenant, holding(tenant) + 1);
    busy++;
  }

  /** The tenant may take a slot now, and none of its deliveries waits here for one. */
  const mayTake = (tenant: string): boolean => !waiting.has(tenant) && allowance(tenant) > 0;

  function remove(tenant: string, list: Waiting<T>[], count: number): T[] {
    const out = list.splice(0, count).map((w) => w.item);
    waitingCount -= out.length;
    if (list.length === 0) waiting.delete(tenant);
    return out;
  }

  return {
    /**
     * A delivery of this tenant's is here: `go` (its slot is taken: call leave() when it ends),
     * `wait` (it waits here: see next()), or `return` (nowhere to wait: give it back to the store).
     */
    admit(tenant: string, item: T, now: number): 'go' | 'wait' | 'return' {
      if (mayTake(tenant)) {
        take(tenant);
        return 'go';
      }
      if (waitingCount >= waitingMax) return 'return';
      const list = waiting.get(tenant);
      if (list) list.push({ item, since: now });
      else waiting.set(tenant, [{ item, since: now }]);
      waitingCount++;
      return 'wait';
    },

    /** One of the tenant's slots is free again. */
    leave(tenant: string): void {
      const n = holding(tenant) - 1;
      if (n > 0) held.set(tenant, n);
      else held.delete(tenant);
      busy = Math.max(0, busy - 1);
    },

    /** The next waiting delivery that may go now, its slot taken; the tenant holding fewest first, then the longest waiting. */
    next(): T | undefined {
      let pick: { tenant: string; list: Waiting<T>[] } | undefined;
      for (const [tenant, list] of waiting) {
        if (allowance(tenant) <= 0) continue;
        if (!pick || holding(tenant) < holding(pick.tenant) || (holding(tenant) === holding(pick.tenant) && list[0]!.since < pick.list[0]!.since)) pick = { tenant, list };
      }
      if (!pick) return undefined;
      take(pick.tenant);
      return remove(pick.tenant, pick.list, 1)[0];
    },

    /** Tenants whose deliveries a claim should leave in the store for now. */
    skipped(): string[] {
      const out = new Set(waiting.keys());
      for (const tenant of held.keys()) if (allowance(tenant) <= 0) out.add(tenant);
      return [...out];
    },

    mayTake,

    /** Slots the tenant may take now for deliveries to come (none while some of its deliveries wait here). */
    room: (tenant: string): number => (waiting.has(tenant) ? 0 : allowance(tenant)),

    /** Removes and returns the deliveries that have waited since before `before`. */
    expired(before: number): T[] {
      const out: T[] = [];
      for (const [tenant, list] of waiting) {
        const stale = list.findIndex((w) => w.since >= before);
        out.push(...remove(tenant, list, stale === -1 ? list.length : stale));
      }
      return out;
    },

    /** Removes and returns every waiting delivery (stopping). */
    clear(): T[] {
      const out: T[] = [];
      for (const [tenant, list] of waiting) out.push(...remove(tenant, list, list.length));
      return out;
    },

    holding,
    get busy(): number {
      return busy;
    },
    get waiting(): number {
      return waitingCount;
    },
  };
}
export type TenantShares<T> = ReturnType<typeof createTenantShares<T>>;

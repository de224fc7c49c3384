// A webhook's own max_concurrency and rate_limit, held across every worker process (and every
// dispatcher thread) sharing a PostgreSQL database: the gate in memory (gates.ts) keeps each
// worker within the limits and its deliveries in order; before a request goes, it also takes one
// of the webhook's slots and its next rate turn in the store (store.limits), which all workers
// share. A delivery that finds none free waits here, leased (its lease is renewed), retrying
// shortly, and after WAIT_MS is parked like any delivery its webhook cannot take yet. The slot is
// given back when the receiver has answered; one whose worker died is free again within a lease.
// On SQLite a single dispatcher delivers, and the gate in memory is exact: nothing is shared.
// The server-wide RELAIS_WEBHOOK_CONCURRENCY default stays per worker; a webhook that must never
// see two requests at once says so with its own max_concurrency.
import type { Logger } from 'pino';
import type { Webhook } from '../core/model.ts';
import type { Store } from '../store/store.ts';
import { StoreUnavailableError } from '../store/faults.ts';

const WAIT_MS = 10_000;
const RETRY_FIRST_MS = 10;
const RETRY_MAX_MS = 200;
const HANDOVERS_MAX = 16;
const LINGER_MS = 5;
/**
 * Requests a rate's cell lets through at once: barely more than one, so that any second holds at
 * most rate + 1 requests, as "at most rate_limit a second" says; the tenth over one absorbs the
 * timers' lateness, which would otherwise be lost at every turn.
 */
const RATE_BURST = 1.1;

export type Entry = { go: true; leave: () => void } | { go: false; until: number };

export interface ClusterLimitDeps {
  store: Store;
  leaseMs: number;
  log: Logger;
  now: () => number;
  /** Stops waiting (the dispatcher is stopping). */
  running: () => boolean;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createClusterLimits({ store, leaseMs, log, now, running }: ClusterLimitDeps) {
  const shared = store.engine === 'postgres';
  const held = new Map<string, string>(); // holder (delivery id) → webhook id
  let timer: NodeJS.Timeout | undefined;
  // Per webhook, this process's entries one after the other: the gate in memory let them through
  // in claim order, and racing each other to the store would reorder them.
  const queues = new Map<string, Promise<unknown>>();
  const leaving = new Map<string, Set<Promise<void>>>(); // slots on their way back, per webhook
  // Per webhook, the slots this process holds, and the entry (one at a time: queued) waiting for
  // one of them: a request that ends hands its slot straight to it, with no round trip, so a
  // serial webhook keeps its pace. After HANDOVERS_MAX in a row the slot goes back to the store
  // instead, and other workers get their turn.
  // A slot whose request ended with no entry waiting lingers a moment (LINGER_MS) before it goes
  // back: the webhook's next delivery here is usually on its way (the gate in memory lets it go
  // as this one ends), and takes it as it is.
  interface Mine { holding: number; waiting?: ((holder: string) => void) | undefined; streak: number; idle: Map<string, NodeJS.Timeout> }
  const mine = new Map<string, Mine>();
  const local = (webhookId: string): Mine => {
    let m = mine.get(webhookId);
    if (!m) mine.set(webhookId, m = { holding: 0, streak: 0, idle: new Map() });
    return m;
  };

  function renewLater(): void {
    timer ??= setInterval(() => {
      if (held.size === 0) return;
      store.limits.renew([...held.keys()], now() + leaseMs).catch((err: unknown) => {
        if (!(err instanceof StoreUnavailableError)) log.error({ err }, 'could not renew webhook slots');
      });
    }, Math.max(100, Math.floor(leaseMs / 3)));
    timer.unref();
  }

  /** Runs `step` after every entry queued before it for this webhook. */
  function queued<T>(webhookId: string, step: () => Promise<T>): Promise<T> {
    const run = (queues.get(webhookId) ?? Promise.resolve()).then(step);
    const tail = run.catch(() => {});
    queues.set(webhookId, tail);
    void tail.then(() => { if (queues.get(webhookId) === tail) queues.delete(webhookId); });
    return run;
  }

  /**
   * Hands the slot to this process's entry waiting for one, or lets it linger for the next, or
   * (after HANDOVERS_MAX in a row) gives it back to the store at once; this process's next entry
   * then waits for it (leaving), rather than race it and find no slot.
   */
  function leaver(webhookId: string, holder: string): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const m = local(webhookId);
      if (m.streak < HANDOVERS_MAX) {
        if (m.waiting) {
          const next = m.waiting;
          m.waiting = undefined;
          m.streak++;
          next(holder); // the row keeps its holder id, renewed as before
          return;
        }
        m.idle.set(holder, setTimeout(() => {
          m.idle.delete(holder);
          giveBack(webhookId, holder);
        }, LINGER_MS));
        return;
      }
      giveBack(webhookId, holder);
    };
  }

  /** The slot back to the store, for any worker. */
  function giveBack(webhookId: string, holder: string): void {
    const m = local(webhookId);
    {
      m.streak = 0;
      m.holding--;
      if (m.holding === 0 && !m.waiting) mine.delete(webhookId);
      held.delete(holder);
      const going = store.limits.leave(webhookId, holder).catch((err: unknown) => {
        // Left held, it is free again once its lease runs out.
        if (!(err instanceof StoreUnavailableError)) log.error({ err, webhook: webhookId }, 'could not give back a webhook slot');
      });
      const returning = leaving.get(webhookId) ?? new Set<Promise<void>>();
      leaving.set(webhookId, returning.add(going));
      void going.then(() => {
        returning.delete(going);
        if (returning.size === 0 && leaving.get(webhookId) === returning) leaving.delete(webhookId);
      });
    }
  }


  /** A request of `holder` (a delivery id) to `webhook`: go (and leave() once answered), or park until `until`. */
  function enter(webhook: Webhook, holder: string): Promise<Entry> {
    if (!shared || (webhook.maxConcurrency === null && webhook.rateLimit === null)) return Promise.resolve({ go: true, leave: () => {} });
    return queued(webhook.id, () => enterNow(webhook, holder));
  }

  async function enterNow(webhook: Webhook, holder: string): Promise<Entry> {
    const max = webhook.maxConcurrency;
    const rate = webhook.rateLimit;
    const giveUpAt = now() + WAIT_MS;
    if (rate !== null) {
      for (;;) {
        const waitMs = await store.limits.take(webhook.id, rate, RATE_BURST, now());
        if (waitMs === 0) break;
        if (now() + waitMs > giveUpAt || !running()) return { go: false, until: now() + waitMs };
        await pause(waitMs);
      }
    }
    if (max === null) return { go: true, leave: () => {} };
    const lingering = local(webhook.id).idle.entries().next().value;
    if (lingering) {
      const [idleHolder, timer] = lingering;
      clearTimeout(timer);
      local(webhook.id).idle.delete(idleHolder);
      local(webhook.id).streak++;
      return { go: true, leave: leaver(webhook.id, idleHolder) };
    }
    for (let retry = RETRY_FIRST_MS; ; retry = Math.min(RETRY_MAX_MS, retry * 2)) {
      await Promise.all(leaving.get(webhook.id) ?? []);
      if (await store.limits.enter(webhook.id, max, holder, now() + leaseMs, now())) {
        held.set(holder, webhook.id);
        local(webhook.id).holding++;
        renewLater();
        return { go: true, leave: leaver(webhook.id, holder) };
      }
      // Every slot is held by a request in flight, here or elsewhere: one ends soon.
      if (now() + retry > giveUpAt || !running()) return { go: false, until: now() + retry };
      const m = local(webhook.id);
      if (m.holding === 0) {
        await pause(retry);
        continue;
      }
      // One of ours: it hands its slot over when its receiver answers (or the retry looks again).
      const handed = await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => {
          if (m.waiting === take) m.waiting = undefined;
          resolve(undefined);
        }, retry);
        const take = (h: string): void => {
          clearTimeout(timer);
          resolve(h);
        };
        m.waiting = take;
      });
      if (handed !== undefined) return { go: true, leave: leaver(webhook.id, handed) };
    }
  }

  return {
    enter,
    /** Gives back the slots lingering here, and waits for every slot on its way back. */
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      for (const [webhookId, m] of [...mine]) {
        for (const [holder, linger] of [...m.idle]) {
          clearTimeout(linger);
          m.idle.delete(holder);
          giveBack(webhookId, holder);
        }
      }
      await Promise.all([...leaving.values()].flatMap((set) => [...set]));
    },
  };
}

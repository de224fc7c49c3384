// The scheduler: which delivery goes when. It claims, admits and paces deliveries; the deliverer
// (deliverer.ts) builds, signs, sends and records each one it is given.
//
// Modes (setMode): `stopped` → start() → `running` → stop() → `stopping` → `stopped`.
// While running, one pump at a time claims due deliveries in batches (as many as there are free
// slots, up to BATCH_MAX; while sends are in flight, not fewer than refillAt unless that has been
// waited for CLAIM_WAIT_MAX_MS), and each claimed delivery is sent concurrently; a finished send
// frees its slot and refills the slots when enough are free. When a claim comes back short, the pump
// sleeps until the next due time the store reports (at most the poll interval, for work queued by
// other processes) or until wake() — called in-process on ingest, and on PostgreSQL by another
// process's NOTIFY — whichever comes first.
// Before sending, each delivery passes its webhook's gate (gates.ts: concurrency cap, rate limit,
// circuit breaker); one that may not go yet is parked in the webhook's lane (lanes.ts), its retry
// schedule untouched, and claimed from there, in order, as the webhook has room. While a breaker
// is open, the webhook's deliveries join its lane as they fall due and are claimed, retries
// included, so it resumes in creation order; its opening itself touches no rows (parking them
// all at once would read the webhook's whole history).
// Fresh deliveries need no claim at all while the dispatcher keeps up: its free slots are
// published as credits (credits.ts), ingest stores that many of its new deliveries already
// leased here and hands them over with their event and webhook (receive). A pump takes the
// credits back before it claims, and publishes them again only when its claim came back short.
// Slots are shared between tenants (tenant-shares.ts): past a small guarantee, a tenant may take a
// slot only while a reserve stays free for the others, so one whose receivers never answer holds
// at most the slots outside the reserve. Every delivery passes that check on its way in (run()),
// whether claimed, handed over or from a lane; one whose tenant may not take a slot waits, leased
// but holding none, until one of its tenant's slots frees up (or half a lease has passed: then it
// goes back to the store untouched). Claims step over the tenants with no room or with deliveries
// waiting, so the oldest-due-first claim finds the other tenants' deliveries; a slot freed that
// gives a stepped-over tenant room again wakes the pump. A delivery waiting at its webhook's gate
// holds its slot, so it counts in its tenant's share too.
// Stopping claims nothing more, gives back the deliveries waiting for their tenant's turn, lets
// in-flight sends finish for a grace period, then aborts the rest and gives their leases back
// untouched, so another worker sends them at once.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { disableReason, GONE_REASON } from '../core/disabling.ts';
import { newId } from '../ids.ts';
import type { ClaimedDelivery, Store } from '../store/store.ts';
import type { Webhook } from '../core/model.ts';
import type { TemplateRenderer } from '../render/renderer.ts';
import { completionWriter } from './completions.ts';
import { dispatchCounters, type DispatchCounters } from './counters.ts';
import { createDeliverer } from './deliverer.ts';
import { StoreUnavailableError } from '../store/faults.ts';
import type { Sender } from './sender.ts';
import { createGates, verdictOf, type Limits, type Turn } from './gates.ts';
import { createLanes } from './lanes.ts';
import type { Credits } from './credits.ts';
import { createTenantShares } from './tenant-shares.ts';
import { createTenantTurns, type Waiter } from './tenant-turns.ts';
import { createLeaseKeeper } from './lease-keeper.ts';
import { createClusterLimits } from './cluster-limits.ts';

const BATCH_MAX = 100;
/**
 * While sends are in flight and no tenant is stepped over, a claim waits until it can take
 * refillAt, but not longer than this: most of a claim's cost is the same however many rows it
 * takes (on PostgreSQL, 32 a claim cost 168 µs a delivery and 128 cost 84: docs/benchmark.md),
 * and under a backlog the slots free up within it. A new delivery waits at most this long for its
 * claim while every slot is busy with slow receivers.
 */
const CLAIM_WAIT_MAX_MS = 20;
/**
 * How long a delivery waits in memory, leased, for its tenant's turn or its webhook's gate before
 * it goes back to the store (or into its webhook's lane). Its lease is renewed meanwhile
 * (lease-keeper.ts): this bounds what a worker holds, not how long the lease lasts.
 */
const WAIT_IN_MEMORY_MS = 10_000;
const ERROR_BACKOFF_MS = 250;
const ERROR_BACKOFF_MAX_MS = 5_000;

export interface SchedulerDeps {
  store: Store;
  sender: Sender;
  templates: TemplateRenderer;
  config: Pick<Config, 'concurrency' | 'tenantReserve' | 'tenantGuarantee' | 'webhookConcurrency' | 'leaseMs' | 'pollMs' | 'retryScheduleMs' | 'disableAfterFailures' | 'disableAfterMs'>;
  /** Disables a webhook (and tells its owner); injected so the loop holds no policy of its own. */
  disableWebhook: (tenantId: string, webhookId: string, reason: string) => Promise<void>;
  log: Logger;
  /** Where free slots are published for ingest to hand fresh deliveries over (none: every delivery is claimed). */
  credits?: Credits;
  /** Where its metrics go (counters.ts); its own when none is given. */
  counters?: DispatchCounters;
  now?: () => number;
  random?: () => number;
}

type Mode = 'stopped' | 'running' | 'stopping';
const NEXT_MODE: Record<Mode, Mode> = { stopped: 'running', running: 'stopping', stopping: 'stopped' };

export function createScheduler({ store, sender, templates, config, log, disableWebhook, credits, counters = dispatchCounters(), now = Date.now, random = Math.random }: SchedulerDeps) {
  let mode: Mode = 'stopped';
  let pumping: Promise<void> | undefined;
  let again = false; // a wake arrived while pumping: claim once more before sleeping
  let timer: NodeJS.Timeout | undefined;
  let timerAt: number | undefined; // when the armed timer fires
  let soonest: number | undefined; // earliest due time this process set while a pump was running
  let backlog = false; // the last claim came back full: there may be more due right now
  let claimWaitSince: number | undefined; // since when a claim too small to be worth it has waited for room
  let claimFailures = 0; // in a row: the pause before the next claim grows with them
  const inFlight = new Set<string>(); // delivery ids
  let outstanding = 0; // credits published and not yet back: unspent, or spent on deliveries on their way here
  /** Slots a claim (or ingest, through credits) may fill now. */
  const freeSlots = (): number => config.concurrency - inFlight.size - outstanding - lanes.reserved;
  const limitsOf = (webhook: Webhook): Limits => ({ maxConcurrency: webhook.maxConcurrency ?? config.webhookConcurrency, rateLimit: webhook.rateLimit });
  const gates = createGates(counters.breaker);
  const leases = createLeaseKeeper({ store, leaseMs: config.leaseMs, log, now });
  const shared = createClusterLimits({ store, leaseMs: config.leaseMs, log, now, running: () => mode === 'running' });
  const shares = createTenantShares<Waiter>({ slots: config.concurrency, reserve: config.tenantReserve, guaranteed: config.tenantGuarantee, waitingMax: config.concurrency });
  let skipping: readonly string[] = []; // the tenants the last claim stepped over
  // The last claim that stepped over tenants found no other tenant's delivery due, nor any due
  // before `until` (at most a poll interval later, for other processes' work): until then, and
  // while no other tenant's work is announced (onlyFor), a claim stepping over the same tenants is
  // not made. A claim that does not step over leaves it be: it makes no work of other tenants due.
  let dry: { skip: readonly string[]; until: number } | undefined;
  // Whose work wakes announced since the last claim that stepped over tenants began (undefined:
  // some of no known tenant, or deliveries given back): work that claim may not have seen.
  let announced: Set<string> | undefined = new Set();
  /** All work announced since that claim is `tenants`' (which a claim stepping over them would step over again). */
  const onlyFor = (tenants: readonly string[]): boolean => announced !== undefined && [...announced].every((t) => tenants.includes(t));
  const lanes = createLanes({
    store, gates, leaseMs: config.leaseMs, log, now, running: () => mode === 'running', run: (claimed) => run(claimed, true),
    // The credits an idle dispatcher published come back for the lane: its deliveries go first.
    freeSlots: (tenantId) => {
      withdrawCredits();
      return Math.min(freeSlots(), shares.room(tenantId));
    },
    claimed: () => publishCredits(),
    limitsOf,
  });
  const turns = createTenantTurns({
    store, lanes, shares, limitsOf, waitMs: WAIT_IN_MEMORY_MS, log, now,
    released: () => { announced = undefined; }, // due again, to the next claim that does not step over its tenant
    letGo: leases.drop,
  });
  const policy = { failures: config.disableAfterFailures, minDurationMs: config.disableAfterMs };
  const disable = (tenantId: string, webhookId: string, reason: string): void => {
    disableWebhook(tenantId, webhookId, reason).catch((err: unknown) => log.error({ err, webhook: webhookId }, 'could not disable a failing webhook'));
  };
  const writer = completionWriter(store, now, log, (records) => {
    for (const r of records) {
      const reason = disableReason(r, policy, now());
      if (reason) disable(r.tenantId, r.webhookId, reason);
    }
  });
  const deliverer = createDeliverer({ store, sender, templates, record: writer.write, retryScheduleMs: config.retryScheduleMs, log, now, random, counters });
  const refillAt = Math.max(1, Math.floor(config.concurrency / 2));
  let idle: (() => void) | undefined; // resolves stop()'s wait when the last send ends

  /**
   * The only place the mode changes, with what entering each mode does at once (as Graphile
   * Worker's setMode); stop() then waits for what is in flight before `stopped`.
   */
  function setMode(next: Mode): void {
    const from = mode;
    if (NEXT_MODE[from] !== next) throw new Error(`the scheduler cannot go from ${from} to ${next}`);
    mode = next;
    log.debug({ from, to: next }, 'scheduler mode');
    if (next === 'running') {
      leases.start();
      wake();
    } else if (next === 'stopping') {
      withdrawCredits(); // ingest hands nothing more over
      clearTimeout(timer); // and no claim is made
    }
  }

  // Wakes arriving in the same turn of the event loop share one claim (the pump starts on
  // setImmediate): under a stream of single events, that is one claim per turn, not per event.
  // New work may be due (ingest, NOTIFY, the timer), so a claim that stepped over tenants may
  // find some: unless it is work of those very tenants (`tenants`, when the waker knows), which
  // such a claim would step over again (onlyFor). Ingest into a tenant at its share made each
  // batch cost two reads of that tenant's whole backlog in the queue index, for nothing.
  function wake(tenants?: readonly string[]): void {
    if (!tenants) announced = undefined;
    else for (const t of tenants) announced?.add(t);
    refill();
  }

  /** Claims again for slots freed here: the store holds nothing new since the last claim. */
  function refill(): void {
    if (mode !== 'running') return;
    if (pumping) {
      again = true;
      return;
    }
    clearTimeout(timer);
    timerAt = undefined;
    pumping = new Promise<void>((started) => setImmediate(started)).then(pumpThenPublish);
  }

  /** Takes back the credits ingest has not spent; what it spent is on its way (receive). */
  function withdrawCredits(): void {
    if (credits) outstanding -= credits.withdraw();
  }

  /** Offers every free slot to ingest: only with no backlog in the store, which goes first. */
  function publishCredits(): void {
    if (!credits || mode !== 'running' || backlog || pumping) return;
    const free = freeSlots();
    if (free <= 0) return;
    outstanding += free;
    credits.give(free);
  }

  /** Deliveries ingest stored leased to this dispatcher, spending its credits. */
  function receive(batch: readonly ClaimedDelivery[]): void {
    outstanding = Math.max(0, outstanding - batch.length);
    if (mode !== 'running') {
      store.deliveries.release(batch.map((c) => ({ deliveryId: c.delivery.id, leaseId: c.leaseId })), now())
        .catch((err: unknown) => log.error({ err, count: batch.length }, 'could not release deliveries handed over while stopping; they fall due when their leases end'));
      return;
    }
    for (const claimed of batch) run(claimed);
  }

  /** `then`: what the timer does; wake, unless it only follows up on what a pump already heard. */
  function arm(delayMs: number, then: () => void = wake): void {
    clearTimeout(timer);
    timer = setTimeout(then, delayMs);
    timerAt = now() + delayMs;
  }

  /**
   * A delivery this process just rescheduled (a retry, a throttled hand-back) falls due at `at`:
   * make sure the sleeping pump wakes by then, without a claim after every send to find out.
   */
  function noteDue(at: number): void {
    if (mode !== 'running') return;
    if (pumping) soonest = Math.min(soonest ?? at, at);
    else armBy(at);
  }

  /** Makes sure the timer fires by `at`, leaving an earlier one as it is. */
  function armBy(at: number, then: () => void = wake): void {
    if (timerAt === undefined || at < timerAt) arm(Math.max(0, at - now()), then);
  }

  async function pump(): Promise<void> {
    try {
      for (;;) {
        again = false;
        withdrawCredits();
        const room = Math.min(freeSlots(), BATCH_MAX);
        if (room <= 0 || mode !== 'running') {
          backlog = true; // a finishing send wakes us
          return;
        }
        const skip = shares.skipped();
        if (room < refillAt && inFlight.size > 0 && skip.length === 0) {
          // A small claim: wait for more room (CLAIM_WAIT_MAX_MS). A finishing send wakes us
          // once refillAt are free (backlog), the timer when the wait is over.
          claimWaitSince ??= now();
          const until = claimWaitSince + CLAIM_WAIT_MAX_MS;
          if (until > now()) {
            backlog = true;
            armBy(until, refill); // no news: the claim that stepped over tenants stays dry
            return;
          }
        }
        claimWaitSince = undefined;
        if (dry && skip.length > 0 && now() < dry.until && dry.skip.every((t) => skip.includes(t)) && onlyFor(dry.skip)) {
          // Stepping over the same tenants (or more) found nothing last time, and nothing has
          // arrived since: do not read their backlog again for nothing.
          skipping = skip;
          backlog = false;
          if (mode === 'running') arm(Math.max(0, Math.min(dry.until, soonest ?? Infinity) - now()));
          soonest = undefined;
          return;
        }
        if (skip.length > 0) announced = new Set(); // what it steps over, it looks at afresh
        const batch = await store.deliveries.claim(room, config.leaseMs, now(), () => newId('lse'), skip);
        counters.claimed(batch.length);
        skipping = skip;
        if (mode !== 'running') {
          await store.deliveries.release(batch.map((c) => ({ deliveryId: c.delivery.id, leaseId: c.leaseId })), now());
          return;
        }
        for (const claimed of batch) run(claimed);
        backlog = batch.length === room;
        if (!backlog && !again) break;
      }
      soonest = undefined; // nextDueAt sees what was rescheduled before it; noteDue catches the rest
      const next = await store.deliveries.nextDueAt(skipping);
      const due = Math.min(next ?? Infinity, soonest ?? Infinity);
      soonest = undefined;
      // The claim that stepped over tenants came back short: no other tenant has anything due before `next`.
      // (Not if a wake came meanwhile with work of others: it may not have been there to find.)
      dry = skipping.length > 0 && onlyFor(skipping) ? { skip: skipping, until: Math.min(next ?? Infinity, now() + config.pollMs) } : undefined;
      // A wake that arrived while we looked counts: claim again at once rather than sleep on it
      // (a refill: what it announced is weighed already, above).
      const delay = again ? 0 : due === Infinity ? config.pollMs : Math.max(0, Math.min(due - now(), config.pollMs));
      if (mode === 'running') arm(delay, again ? refill : wake);
      claimFailures = 0;
    } catch (err) {
      // The database away (told once, by the store) or a fault: claim again after a growing pause.
      if (!(err instanceof StoreUnavailableError)) log.error({ err }, 'dispatcher could not claim deliveries; trying again shortly');
      const backoff = Math.min(ERROR_BACKOFF_MAX_MS, ERROR_BACKOFF_MS * 2 ** claimFailures++);
      if (mode === 'running') arm(backoff * (0.75 + random() / 2));
    }
  }

  /** The pump's own promise, which publishes the credits once it has ended. */
  function pumpThenPublish(): Promise<void> {
    return pump().finally(() => {
      pumping = undefined;
      publishCredits();
    });
  }

  /**
   * A delivery is here, leased (claimed, handed over, or from its lane: `fromLane`, it was next in
   * line there): it goes if its tenant may take a slot, else waits for one, else goes back.
   */
  function run(claimed: ClaimedDelivery, fromLane = false): void {
    if (mode !== 'running') return turns.giveBack({ claimed, fromLane });
    const verdict = shares.admit(claimed.delivery.tenantId, { claimed, fromLane }, now());
    if (verdict === 'return') return turns.giveBack({ claimed, fromLane });
    leases.keep(claimed); // renewed until its send ends, or until it is given back (tenant-turns.ts lets go of it)
    if (verdict === 'go') void send(claimed, fromLane);
    else turns.waiting();
  }

  /** Sends one delivery, in a slot its tenant has taken (shares.admit or shares.next). */
  async function send(claimed: ClaimedDelivery, fromLane: boolean): Promise<void> {
    const { delivery, webhook } = claimed;
    inFlight.add(delivery.id);
    try {
      // Deleted meanwhile: nothing to send. Disabled meanwhile: hold it until re-enabled.
      if (!webhook || !webhook.enabled) return await deliverer.skip(claimed);
      const limits = limitsOf(webhook);
      const admission = gates.admit(webhook.id, limits, now(), fromLane);
      const turn = admission.go === 'wait' ? await waitForTurn(admission.turn) : admission;
      if (!turn.go) {
        // Throttled or its receiver is down: into its webhook's lane, its retry schedule untouched.
        await lanes.park(claimed, limits, turn.until);
        return;
      }
      // Its webhook's own limits, as every worker shares them (PostgreSQL).
      const entry = await shared.enter(webhook, delivery.id);
      if (!entry.go) {
        turn.done('neutral', now());
        await lanes.park(claimed, limits, entry.until);
        return;
      }
      let turnEnded = false;
      // The webhook's slot is free once its receiver has answered: the next delivery goes while
      // this one is recorded, which is what lets a serial webhook (max_concurrency 1) keep pace.
      // `status`: the receiver's answer; null for none, undefined if it was never asked.
      const endTurn = (status: number | null | undefined): void => {
        if (turnEnded) return;
        turnEnded = true;
        entry.leave();
        // A webhook that never holds its events (auto_disable false, HireHop) opens no circuit:
        // each event is sent when due, whatever the ones before it met.
        const opened = turn.done(status === undefined || !webhook.autoDisable ? 'neutral' : verdictOf(status), now());
        lanes.drain(webhook.id);
        if (opened !== undefined) log.warn({ webhook: webhook.id, until: new Date(opened).toISOString() }, 'receiver failing: pausing its deliveries (circuit open)');
      };
      try {
        await deliverer.deliver(claimed, webhook, {
          answered: endTurn,
          due: noteDue,
          gone: (w) => disable(delivery.tenantId, w.id, GONE_REASON),
        });
      } finally {
        endTurn(undefined);
      }
    } catch (err) {
      log.error({ err, delivery: delivery.id }, 'delivery crashed; it will be retried when its lease ends');
    } finally {
      leases.drop(delivery.id);
      inFlight.delete(delivery.id);
      shares.leave(delivery.tenantId);
      if (inFlight.size === 0) idle?.();
      // Deliveries waiting for their tenant's turn first (they are here, leased), then the lanes:
      // their deliveries have waited longest.
      for (let waiter = mode === 'running' ? shares.next() : undefined; waiter; waiter = shares.next()) void send(waiter.claimed, waiter.fromLane);
      lanes.drain(delivery.webhookId);
      lanes.drainStarved();
      // Refill freed slots only while there is a backlog, or a tenant the last claim stepped over
      // has room again: new work wakes us anyway (ingest, NOTIFY, or the timer for what this
      // process rescheduled).
      const more = (backlog && (freeSlots() >= refillAt || inFlight.size === 0)) || skipping.some(shares.mayTake);
      if (mode === 'running' && more) refill();
      else publishCredits();
    }
  }

  /**
   * Waits in the webhook's queue, but not past WAIT_IN_MEMORY_MS: a delivery that would wait
   * longer is parked, in its webhook's lane, rather than held here. A turn that arrives after
   * giving up is passed straight on.
   */
  async function waitForTurn(turn: Promise<Turn>): Promise<Turn> {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<Turn>((resolve) => {
      timer = setTimeout(() => resolve({ go: false, until: now() }), WAIT_IN_MEMORY_MS);
    });
    const first = await Promise.race([turn, giveUp]);
    clearTimeout(timer);
    if (!first.go) void turn.then((late) => late.go && late.done('neutral', now()));
    return first;
  }

  return {
    wake,
    receive,
    start(): void {
      if (mode === 'stopped') setMode('running');
    },
    /** Stops claiming, waits up to graceMs for sends in flight, then aborts and releases the rest. */
    async stop(graceMs = 10_000): Promise<void> {
      if (mode !== 'running') return;
      setMode('stopping');
      await pumping;
      turns.giveBackAll();
      if (inFlight.size > 0) {
        const drained = new Promise<void>((resolve) => { idle = resolve; });
        const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
        if ((await Promise.race([drained, grace])) === 'timeout') {
          log.warn({ count: inFlight.size }, 'aborting deliveries still in flight; their leases are released');
          sender.abortAll();
          writer.abandon(); // results waiting for the database to come back
          await drained;
        }
      }
      await turns.settled();
      await writer.drain();
      await lanes.close();
      await leases.stop();
      await shared.stop();
      setMode('stopped');
    },
    get inFlight(): number {
      return inFlight.size;
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;

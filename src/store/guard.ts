// Every store call, as its callers see it: a transaction that collided with another is run
// again here (a deadlock is the store's business, never a 500), and a database that cannot be
// reached surfaces as one error, StoreUnavailableError, whatever the engine or the driver said.
// The store also keeps track of whether its database answers, for /healthz and for the log: one
// line when it goes, one when it is back, not one per failed call.
import type { Logger } from 'pino';
import { isConflict, StoreUnavailableError, unavailableReason } from './faults.ts';
import type { Engine, Store, StoreHealth } from './store.ts';

const CONFLICT_RETRIES = 6;
const CONFLICT_BACKOFF_MS = 5;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function storeHealth(engine: Engine, log?: Logger) {
  let down: { since: number; reason: string } | undefined;
  let failures = 0; // every call that found it unavailable, for /metrics (the log says it once)
  return {
    failed(reason: string): void {
      failures++;
      if (down) return;
      down = { since: Date.now(), reason };
      log?.warn({ engine, reason }, 'the database is unavailable: requests are answered 503 and delivery waits until it is back');
    },
    answered(): void {
      if (!down) return;
      log?.info({ engine, downForMs: Date.now() - down.since }, 'the database is back');
      down = undefined;
    },
    get failures(): number {
      return failures;
    },
    get current(): StoreHealth {
      return down ? { engine, up: false, since: down.since, reason: down.reason } : { engine, up: true };
    },
  };
}

type Health = ReturnType<typeof storeHealth>;

/** Runs one store call: collisions retried (each call is one transaction, or one statement), unavailability made one error. */
async function guarded<T>(engine: Engine, health: Health, call: () => Promise<T>, isProbe = false): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await call();
      // A probe that reads proves nothing of writes (SQLite with its disk full still reads).
      if (!isProbe) health.answered();
      return result;
    } catch (err) {
      if (isConflict(err) && attempt < CONFLICT_RETRIES) {
        // Jittered, growing: the two colliding transactions must not meet again in lockstep.
        await pause(CONFLICT_BACKOFF_MS * 2 ** attempt * (0.5 + Math.random()));
        continue;
      }
      const reason = unavailableReason(err);
      if (reason === undefined) throw err;
      health.failed(reason);
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(engine, reason, { cause: err });
    }
  }
}

function guardGroup<G extends object>(group: G, run: <T>(call: () => Promise<T>) => Promise<T>): G {
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(group)) {
    out[name] = typeof member === 'function'
      ? (...args: unknown[]) => run(() => (member as (...a: unknown[]) => Promise<unknown>).apply(group, args))
      : member;
  }
  return out as G;
}

/** The store with every query group's calls guarded; migrate, close and the due signal as they are. */
export function guardStore(store: Omit<Store, 'health' | 'unavailableErrors'>, health: Health): Store {
  const run = <T>(call: () => Promise<T>): Promise<T> => guarded(store.engine, health, call);
  return {
    ...store,
    health: () => health.current,
    unavailableErrors: () => health.failures,
    ping: () => guarded(store.engine, health, () => store.ping(), true),
    prune: (before, limit) => run(() => store.prune(before, limit)),
    settings: guardGroup(store.settings, run),
    tenants: guardGroup(store.tenants, run),
    tokens: guardGroup(store.tokens, run),
    eventTypes: guardGroup(store.eventTypes, run),
    webhooks: guardGroup(store.webhooks, run),
    events: guardGroup(store.events, run),
    notices: guardGroup(store.notices, run),
    attempts: guardGroup(store.attempts, run),
    limits: guardGroup(store.limits, run),
    deliveries: guardGroup(store.deliveries, run),
  };
}

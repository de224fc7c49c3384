// Per-webhook admission, so a receiver is never hammered: a concurrency cap, an optional rate
// limit, and a circuit breaker. Pure state, the clock handed in.
//
// Breaker modes, per webhook: `closed` (sending; failures in a row are counted) → after
// BREAKER_THRESHOLD failures, `open` until a cooldown ends (nothing is sent; deliveries wait) →
// `half-open` (one probe is sent, the others wait) → a probe success closes it, a failure opens
// it again for twice as long (up to BREAKER_MAX_MS). Failures are what say the receiver is
// down: no answer, a 5xx or a 429; any other answer means it is up.
//
// A delivery that may not go now is parked: it goes to its webhook's lane in the store, and
// every later one parks behind it until the lane is empty, so none overtakes another. The
// dispatcher claims from the lane as room() allows (lanes.ts).
export const BREAKER_THRESHOLD = 5;
export const BREAKER_BASE_MS = 5_000;
export const BREAKER_MAX_MS = 300_000;
/** Deliveries that may queue here, in claim order, for a webhook's free slot: this many per slot. */
export const WAITERS_PER_SLOT = 4;

export type Verdict = 'success' | 'failure' | 'neutral';
/** `done` returns the breaker's reopening time when this outcome opened it. */
export type Done = (verdict: Verdict, now: number) => number | undefined;
/**
 * Go now, or park: the delivery goes to its webhook's lane (not before `until`), from which the
 * dispatcher claims as the webhook has room (see room()).
 */
export type Turn = { go: true; done: Done } | { go: false; until: number };
/** Go now; park; or wait for a turn (first come, first served), which may still say park. */
export type Admission = Turn | { go: 'wait'; turn: Promise<Turn> };

interface Gate {
  inFlight: number;
  failures: number;
  mode: 'closed' | 'open' | 'half-open';
  openUntil: number;
  cooldownMs: number;
  probing: boolean;
  /** Deliveries queued for a slot; a finishing request hands its slot to the first. */
  waiters: ((turn: Turn) => void)[];
  tokens: number;
  refilledAt: number;
  /**
   * The webhook's lane holds deliveries: any delivery not claimed from it parks behind them, so
   * none overtakes another. Cleared (unpark) once the lane is found empty.
   */
  parked: boolean;
}

export interface Limits {
  maxConcurrency: number;
  /** Requests per second; null for none. */
  rateLimit: number | null;
}

export const verdictOf = (status: number | null): Verdict =>
  status === null || status >= 500 || status === 429 ? 'failure' : status < 300 ? 'success' : 'neutral';

/** Told of every breaker's move, for the open-circuit gauges (counters.ts); called only when a mode changes. */
export type BreakerWatch = (from: 'closed' | 'open' | 'half-open', to: 'closed' | 'open' | 'half-open') => void;

export function createGates(watch?: BreakerWatch) {
  const gates = new Map<string, Gate>();

  function gate(id: string, now: number): Gate {
    let g = gates.get(id);
    if (!g) {
      g = { inFlight: 0, failures: 0, mode: 'closed', openUntil: 0, cooldownMs: BREAKER_BASE_MS, probing: false, waiters: [], tokens: 1, refilledAt: now, parked: false };
      gates.set(id, g);
    }
    return g;
  }

  const forgettable = (g: Gate): boolean => g.inFlight === 0 && g.mode === 'closed' && g.failures === 0 && g.tokens >= 1 && !g.parked;

  function refill(g: Gate, rateLimit: number, now: number): void {
    g.tokens = Math.min(Math.max(1, rateLimit), g.tokens + ((now - g.refilledAt) / 1000) * rateLimit);
    g.refilledAt = now;
  }

  function finish(id: string, g: Gate, outcome: Verdict, now: number, probe: boolean): number | undefined {
    let opened: number | undefined;
    const was = g.mode;
    if (probe) g.probing = false;
    if (outcome === 'success' || outcome === 'neutral') {
      Object.assign(g, { failures: 0, mode: 'closed', cooldownMs: BREAKER_BASE_MS });
    } else if (probe || (g.mode === 'closed' && ++g.failures >= BREAKER_THRESHOLD)) {
      const cooldown = probe ? Math.min(g.cooldownMs * 2, BREAKER_MAX_MS) : g.cooldownMs;
      Object.assign(g, { mode: 'open', openUntil: now + cooldown, cooldownMs: cooldown });
      opened = g.openUntil;
    }
    if (was !== g.mode) watch?.(was, g.mode);
    if (g.mode === 'open' && g.waiters.length > 0) {
      // The receiver is down: whoever queued here parks until the breaker may close.
      g.parked = true;
      for (const waiter of g.waiters.splice(0)) waiter({ go: false, until: g.openUntil });
    }
    // The slot passes to the first waiter rather than to whoever asks next: claim order holds.
    const next = g.waiters.shift();
    if (next) next({ go: true, done: (o, at) => finish(id, g, o, at, false) });
    else g.inFlight--;
    if (forgettable(g)) gates.delete(id); // nothing to remember
    return opened;
  }

  return {
    /**
     * May a delivery to this webhook go now? If so, call `done` with the outcome when it ends; if
     * not, park it. `fromLane`: it was claimed from the webhook's lane, so it is next in line.
     */
    admit(id: string, limits: Limits, now: number, fromLane = false): Admission {
      const g = gate(id, now);
      const park = (until = now): Turn => {
        g.parked = true;
        return { go: false, until };
      };
      if (g.parked && !fromLane) return park();
      if (g.mode === 'open') {
        if (now < g.openUntil) return park(g.openUntil);
        g.mode = 'half-open';
        watch?.('open', 'half-open');
      }
      if (g.mode === 'half-open' && g.probing) return park();
      // The rate limit first: a delivery that queues for a slot takes its token now, so a slot
      // handed on to it later cannot exceed the rate.
      if (limits.rateLimit !== null) {
        refill(g, limits.rateLimit, now);
        if (g.tokens < 1) return park();
        g.tokens -= 1;
      }
      if (g.inFlight >= limits.maxConcurrency) {
        if (g.waiters.length >= limits.maxConcurrency * WAITERS_PER_SLOT) {
          if (limits.rateLimit !== null) g.tokens += 1; // not sent: its token goes back
          return park();
        }
        return { go: 'wait', turn: new Promise<Turn>((resolve) => g.waiters.push(resolve)) };
      }
      const probe = g.mode === 'half-open';
      if (probe) g.probing = true;
      g.inFlight++;
      return { go: true, done: (outcome, at) => finish(id, g, outcome, at, probe) };
    },

    /**
     * How many deliveries to claim from the webhook's lane now; with none, when to look again
     * (`at`), or nothing when one of its requests ending will tell. The queue is refilled once half
     * of it is free, so a claim brings several deliveries rather than one per request.
     */
    room(id: string, limits: Limits, now: number): { room: number; at?: number } {
      const g = gate(id, now);
      if (g.mode === 'open' && now < g.openUntil) return { room: 0, at: g.openUntil };
      let room: number;
      if (g.mode !== 'closed') {
        room = g.probing ? 0 : 1;
      } else {
        const capacity = limits.maxConcurrency * (1 + WAITERS_PER_SLOT);
        const free = capacity - g.inFlight - g.waiters.length;
        room = free >= Math.ceil(capacity / 2) ? free : 0;
      }
      if (limits.rateLimit === null || room === 0) return { room };
      refill(g, limits.rateLimit, now);
      if (g.tokens < 1) return { room: 0, at: now + Math.ceil(((1 - g.tokens) / limits.rateLimit) * 1000) };
      return { room: Math.min(room, Math.floor(g.tokens)) };
    },

    /** Marks the webhook's lane as holding deliveries (one was parked without asking the gate). */
    park(id: string, now: number): void {
      gate(id, now).parked = true;
    },

    /** The webhook's lane is empty: its deliveries go straight to the gate again. */
    unpark(id: string): void {
      const g = gates.get(id);
      if (!g) return;
      g.parked = false;
      if (forgettable(g)) gates.delete(id);
    },
  };
}

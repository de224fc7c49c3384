// Per-webhook admission, so a receiver is never hammered: a concurrency cap, an optional rate
// limit, and a circuit breaker. Pure state, the clock handed in.
//
// Breaker modes, per webhook: `closed` (sending; failures in a row are counted) → after
// BREAKER_THRESHOLD failures, `open` until a cooldown ends (nothing is sent; deliveries wait) →
// `half-open` (one probe is sent, the others wait) → a probe success closes it, a failure opens
// it again for twice as long (up to BREAKER_MAX_MS). Failures are what say the receiver is
// down: no answer, a 5xx or a 429; any other answer means it is up.
export const BREAKER_THRESHOLD = 5;
export const BREAKER_BASE_MS = 5_000;
export const BREAKER_MAX_MS = 300_000;
/** How long a delivery waits when its webhook's queue here is full (it is handed back, not held). */
export const BUSY_RETRY_MS = 200;
/** Deliveries that may queue here, in claim order, for a webhook's free slot: this many per slot. */
export const WAITERS_PER_SLOT = 4;

export type Outcome = 'success' | 'failure' | 'neutral';
/** `done` returns the breaker's reopening time when this outcome opened it. */
export type Done = (outcome: Outcome, now: number) => number | undefined;
export type Turn = { go: true; done: Done } | { go: false; retryAt: number };
/** Go now; come back at `retryAt`; or wait for a turn (first come, first served), which may still say later. */
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
   * Until when deliveries are being handed back. Every later one is handed back to the same
   * instant, so none overtakes them: equal due times are claimed in creation order.
   */
  backlogUntil: number;
}

export interface Limits {
  maxConcurrency: number;
  /** Requests per second; null for none. */
  rateLimit: number | null;
}

export const outcomeOf = (status: number | null): Outcome =>
  status === null || status >= 500 || status === 429 ? 'failure' : status < 300 ? 'success' : 'neutral';

export function createGates() {
  const gates = new Map<string, Gate>();

  function gate(id: string, now: number): Gate {
    let g = gates.get(id);
    if (!g) {
      g = { inFlight: 0, failures: 0, mode: 'closed', openUntil: 0, cooldownMs: BREAKER_BASE_MS, probing: false, waiters: [], tokens: 1, refilledAt: now, backlogUntil: 0 };
      gates.set(id, g);
    }
    return g;
  }

  function finish(id: string, g: Gate, outcome: Outcome, now: number, probe: boolean): number | undefined {
    let opened: number | undefined;
    if (probe) g.probing = false;
    if (outcome === 'success' || outcome === 'neutral') {
      Object.assign(g, { failures: 0, mode: 'closed', cooldownMs: BREAKER_BASE_MS });
    } else if (probe || (g.mode === 'closed' && ++g.failures >= BREAKER_THRESHOLD)) {
      const cooldown = probe ? Math.min(g.cooldownMs * 2, BREAKER_MAX_MS) : g.cooldownMs;
      Object.assign(g, { mode: 'open', openUntil: now + cooldown, cooldownMs: cooldown });
      opened = g.openUntil;
    }
    if (g.mode === 'open') {
      // The receiver is down: whoever queued here comes back when the breaker may close.
      for (const waiter of g.waiters.splice(0)) waiter({ go: false, retryAt: g.openUntil });
    }
    // The slot passes to the first waiter rather than to whoever asks next: claim order holds.
    const next = g.waiters.shift();
    if (next) next({ go: true, done: (o, at) => finish(id, g, o, at, false) });
    else g.inFlight--;
    if (g.inFlight === 0 && g.mode === 'closed' && g.failures === 0 && g.tokens >= 1 && g.backlogUntil <= now) gates.delete(id); // nothing to remember
    return opened;
  }

  return {
    /** May a delivery to this webhook go now? If so, call `done` with the outcome when it ends; if not, try again at `retryAt`. */
    admit(id: string, limits: Limits, now: number): Admission {
      const g = gate(id, now);
      const handBack = (until: number): Turn => {
        g.backlogUntil = Math.max(g.backlogUntil, until);
        return { go: false, retryAt: g.backlogUntil };
      };
      if (g.mode === 'open') {
        if (now < g.openUntil) return { go: false, retryAt: g.openUntil };
        g.mode = 'half-open';
      }
      if (now < g.backlogUntil) return handBack(0);
      if (g.mode === 'half-open' && g.probing) return handBack(now + BUSY_RETRY_MS);
      // The rate limit first: a delivery that queues for a slot takes its token now, so a slot
      // handed on to it later cannot exceed the rate.
      if (limits.rateLimit !== null) {
        const burst = Math.max(1, limits.rateLimit);
        g.tokens = Math.min(burst, g.tokens + ((now - g.refilledAt) / 1000) * limits.rateLimit);
        g.refilledAt = now;
        if (g.tokens < 1) return handBack(now + Math.ceil(((1 - g.tokens) / limits.rateLimit) * 1000));
        g.tokens -= 1;
      }
      if (g.inFlight >= limits.maxConcurrency) {
        if (g.waiters.length >= limits.maxConcurrency * WAITERS_PER_SLOT) {
          if (limits.rateLimit !== null) g.tokens += 1; // not sent: its token goes back
          return handBack(now + BUSY_RETRY_MS);
        }
        return { go: 'wait', turn: new Promise<Turn>((resolve) => g.waiters.push(resolve)) };
      }
      const probe = g.mode === 'half-open';
      if (probe) g.probing = true;
      g.inFlight++;
      return { go: true, done: (outcome, at) => finish(id, g, outcome, at, probe) };
    },

  };
}

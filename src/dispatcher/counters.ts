// The dispatcher's metrics as plain numbers in one Float64Array, in memory the API's thread can
// read (a SharedArrayBuffer, as credits.ts): when the dispatcher runs in a thread of its own, a
// scrape in the API's thread reads the thread's counters directly — no message round trip, no
// snapshot to go stale — and they survive the thread being started again. Each slot has one
// writer (the dispatcher's thread), so plain stores suffice: a reader may see a value a few
// deliveries old, never a lost update. On the hot path an update is an index and an add: no
// allocation, no await, no label hashing (prom-client's labelled inc() builds a key per call).
import { ERROR_KINDS, type ErrorKind } from '../core/model.ts';

/** What a recorded completion did to its delivery. */
export const OUTCOMES = ['succeeded', 'failed', 'retry_scheduled', 'held', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Why an attempt failed: the sender's error kinds, and `status` for a receiver that answered with a non-2xx. */
export const FAILURE_KINDS = [...ERROR_KINDS, 'status'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
/** Attempt duration buckets, in seconds (Prometheus' unit). */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
export type BreakerMode = 'closed' | 'open' | 'half-open';

// The layout: one slot per number, grouped.
const OUTCOME_AT = 0;
const ATTEMPTS_AT = OUTCOME_AT + OUTCOMES.length; // [succeeded, failed]
const FAILURE_AT = ATTEMPTS_AT + 2;
const BUCKET_AT = FAILURE_AT + FAILURE_KINDS.length; // per-bucket (not cumulative) counts, then +Inf
const DURATION_SUM_AT = BUCKET_AT + DURATION_BUCKETS_S.length + 1;
const IN_FLIGHT_AT = DURATION_SUM_AT + 1;
const OPEN_AT = IN_FLIGHT_AT + 1;
const HALF_OPEN_AT = OPEN_AT + 1;
const STORE_ERRORS_AT = HALF_OPEN_AT + 1;
const CLAIMS_AT = STORE_ERRORS_AT + 1; // [claims, deliveries they leased]
const SLOTS = CLAIMS_AT + 2;

const OUTCOME_INDEX = Object.fromEntries(OUTCOMES.map((o, i) => [o, OUTCOME_AT + i])) as Record<Outcome, number>;
const FAILURE_INDEX = Object.fromEntries(FAILURE_KINDS.map((k, i) => [k, FAILURE_AT + i])) as Record<FailureKind, number>;
const BUCKETS_MS = DURATION_BUCKETS_S.map((s) => s * 1000);

export interface DispatchSnapshot {
  outcomes: Record<Outcome, number>;
  attempts: { succeeded: number; failed: number };
  failures: Record<FailureKind, number>;
  /** Cumulative, as Prometheus wants them: one per DURATION_BUCKETS_S, then +Inf (= the count). */
  durationBuckets: number[];
  durationSumS: number;
  inFlight: number;
  breakers: { open: number; halfOpen: number };
  /** Calls the dispatcher thread's own store found the database unavailable (0 when it runs in the API's thread: that store counts its own). */
  storeErrors: number;
  /** The pump's claims of due deliveries, and the deliveries they leased (hand-offs at ingest and lanes' claims aside). */
  claims: { count: number; deliveries: number };
}

export type DispatchCounters = ReturnType<typeof dispatchCounters>;

/**
 * The counters over `shared` (the dispatcher thread attaching to what the API's thread made), or
 * over new shared memory. The gauges start at zero: they describe the dispatcher that is starting.
 */
export function dispatchCounters(shared?: SharedArrayBuffer) {
  const buffer = shared ?? new SharedArrayBuffer(SLOTS * Float64Array.BYTES_PER_ELEMENT);
  const n = new Float64Array(buffer);
  n[IN_FLIGHT_AT] = n[OPEN_AT] = n[HALF_OPEN_AT] = 0;

  return {
    buffer,
    /** One request made (or a template that failed before it): its result and duration. */
    attempt(succeeded: boolean, failure: ErrorKind | null, durationMs: number): void {
      n[ATTEMPTS_AT + (succeeded ? 0 : 1)]! += 1;
      if (!succeeded) n[failure === null ? FAILURE_INDEX.status : FAILURE_INDEX[failure]]! += 1;
      let b = 0;
      while (b < BUCKETS_MS.length && durationMs > BUCKETS_MS[b]!) b++;
      n[BUCKET_AT + b]! += 1;
      n[DURATION_SUM_AT]! += durationMs / 1000;
    },
    outcome(outcome: Outcome): void {
      n[OUTCOME_INDEX[outcome]]! += 1;
    },
    /** A request to a receiver begins (+1) or ends (-1). */
    sending(delta: 1 | -1): void {
      n[IN_FLIGHT_AT]! += delta;
    },
    /** A webhook's circuit breaker moved (gates.ts). */
    breaker(from: BreakerMode, to: BreakerMode): void {
      if (from === 'open') n[OPEN_AT]! -= 1;
      else if (from === 'half-open') n[HALF_OPEN_AT]! -= 1;
      if (to === 'open') n[OPEN_AT]! += 1;
      else if (to === 'half-open') n[HALF_OPEN_AT]! += 1;
    },
    /** The dispatcher thread's store: how many calls found the database unavailable so far. */
    storeErrors(total: number): void {
      n[STORE_ERRORS_AT] = total;
    },
    /** A claim of due deliveries made, which leased `deliveries` of them. */
    claimed(deliveries: number): void {
      n[CLAIMS_AT]! += 1;
      n[CLAIMS_AT + 1]! += deliveries;
    },
    /** For a scrape: allocates, so never on the hot path. */
    snapshot(): DispatchSnapshot {
      const durationBuckets: number[] = [];
      let sum = 0;
      for (let b = 0; b <= DURATION_BUCKETS_S.length; b++) durationBuckets.push((sum += n[BUCKET_AT + b]!));
      return {
        outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, n[OUTCOME_INDEX[o]]!])) as Record<Outcome, number>,
        attempts: { succeeded: n[ATTEMPTS_AT]!, failed: n[ATTEMPTS_AT + 1]! },
        failures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, n[FAILURE_INDEX[k]]!])) as Record<FailureKind, number>,
        durationBuckets, durationSumS: n[DURATION_SUM_AT]!,
        inFlight: n[IN_FLIGHT_AT]!,
        breakers: { open: n[OPEN_AT]!, halfOpen: n[HALF_OPEN_AT]! },
        storeErrors: n[STORE_ERRORS_AT]!,
        claims: { count: n[CLAIMS_AT]!, deliveries: n[CLAIMS_AT + 1]! },
      };
    },
  };
}

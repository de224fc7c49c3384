// Latency percentiles, exact: every delivery's latency, sorted (tens of thousands of numbers).

export interface Percentiles { p50: number; p95: number; p99: number; max: number }

/** Nearest-rank percentiles of the values (sorted in place); NaN for none. */
export function percentiles(values: Float64Array): Percentiles {
  values.sort();
  const rank = (q: number): number => (values.length ? values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)]! : Number.NaN);
  return { p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: rank(1) };
}

/** Each delivery's arrival minus the time its event was sent (indexed by the event's number). */
export function latencies(n: Float64Array, at: Float64Array, sentAt: Float64Array): Float64Array {
  const out = new Float64Array(n.length);
  for (let i = 0; i < n.length; i++) out[i] = at[i]! - sentAt[n[i]!]!;
  return out;
}

export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

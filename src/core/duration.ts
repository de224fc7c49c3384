// Durations as the configuration writes them: `250ms`, `5s`, `5m`, `2h`, `5d`, or a bare `0`.
// Every duration is bounded: a number of digits that parses to 8.64e27 ms or Infinity is
// refused here, and each use bounds it further to what it means (a retry delay, a token's life).
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DAY_MS = UNIT_MS.d;
/** Longer than any duration Relais has a use for (retention, token lifetimes…); well within what formats as plain digits. */
export const MAX_DURATION_MS = 100 * 365 * DAY_MS;
/** A retry delay: anything longer is not a retry. */
export const MAX_RETRY_DELAY_MS = 30 * DAY_MS;
/** A tenant token's lifetime when one is given (none given: no expiry). */
export const MAX_TOKEN_TTL_MS = 5 * 365 * DAY_MS;

export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = /^(\d{1,12}(?:\.\d{1,9})?)(ms|s|m|h|d)$/.exec(trimmed);
  if (!match) throw new Error(`invalid duration "${text.slice(0, 40)}" (write e.g. 250ms, 5s, 5m, 2h, 5d)`);
  const [, amount, unit] = match as unknown as [string, string, keyof typeof UNIT_MS];
  const ms = Math.round(Number(amount) * UNIT_MS[unit]);
  if (ms === 0 && Number(amount) > 0) throw new Error(`invalid duration "${text}": shorter than 1ms (write 0 for none)`);
  if (ms > MAX_DURATION_MS) throw new Error(`invalid duration "${text}": longer than 36500d`);
  return ms;
}

/**
 * `5s`, `2h`, `1500ms`: plain digits, never `e+` or `null`. A value no parse could give (a
 * delay stored before durations were bounded) shows as the bound.
 */
export function formatDurationMs(ms: number): string {
  const whole = typeof ms === 'number' && Number.isFinite(ms) ? Math.min(Math.max(Math.round(ms), 0), MAX_DURATION_MS) : MAX_DURATION_MS;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (whole >= size && whole % size === 0) return `${whole / size}${unit}`;
  }
  return `${whole}ms`;
}

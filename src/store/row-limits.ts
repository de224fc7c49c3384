// What a row may hold, checked before it joins a write that other rows (and other tenants)
// share: one value the database refuses fails the whole transaction, so it must fail alone, with
// a reason, before it gets there. Pure: the same limits on both engines.
//
// - Times (epoch ms): whole numbers from year 0000 to 9999, the dates the API prints (RFC 3339,
//   four-digit years). bigint on PostgreSQL and SQLite's integer hold far more, but a time the
//   API cannot print would make every page that lists it fail (a delivery due in year 300,000).
// - Counts and codes in integer columns: PostgreSQL's integer (32 bits).
// - Text: no NUL character (PostgreSQL's text cannot hold one) and at most MAX_TEXT_BYTES.
//   JSON is stored as text, serialised by JSON.stringify, which escapes NUL: only its size counts.
import type { NewEvent, Completion } from './store.ts';

export const MIN_TIME_MS = Date.parse('0000-01-01T00:00:00.000Z');
export const MAX_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');
const MAX_INT32 = 2_147_483_647;
/** Per value: well under PostgreSQL's 1 GB per field and SQLite's 1e9-byte default, far above anything the API takes in. */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** A value the store cannot hold; `field` names it as the row's owner knows it. */
export interface RowProblem {
  field: string;
  message: string;
}

/** Thrown by a store write handed a row that fails these checks: nothing was written. */
export class RowValueError extends Error {
  constructor(readonly problems: RowProblem[]) {
    super(`cannot store this row: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'RowValueError';
  }
}

export function timeProblem(ms: number | null): string | undefined {
  if (ms === null) return undefined;
  if (!Number.isInteger(ms)) return `${ms} is not a whole number of milliseconds`;
  if (ms < MIN_TIME_MS || ms > MAX_TIME_MS) return `${ms} ms is beyond the dates the store can hold (years 0000 to 9999)`;
  return undefined;
}

function int32Problem(n: number): string | undefined {
  return Number.isInteger(n) && Math.abs(n) <= MAX_INT32 ? undefined : `${n} is not a 32-bit whole number`;
}

export function textProblem(text: string | null): string | undefined {
  if (text === null) return undefined;
  if (text.includes('\0')) return 'contains a NUL character (\\u0000), which the store cannot hold';
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only when it might matter.
  if (text.length * 3 > MAX_TEXT_BYTES && Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) return `longer than ${MAX_TEXT_BYTES} bytes`;
  return undefined;
}

/** The JSON text of a value, or why it cannot be stored. */
export function jsonProblem(value: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return `cannot be written as JSON: ${(err as Error).message}`;
  }
  // JSON.stringify escapes NUL: only the size can be wrong.
  return text !== undefined && text.length * 3 > MAX_TEXT_BYTES && Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES ? `longer than ${MAX_TEXT_BYTES} bytes as JSON` : undefined;
}

function collect(problems: RowProblem[], field: string, problem: string | undefined): void {
  if (problem !== undefined) problems.push({ field, message: problem });
}

/** An event as ingest stores it; fields named as the API takes them (`id` is the idempotency id). */
export function eventProblems(e: NewEvent): RowProblem[] {
  const problems: RowProblem[] = [];
  collect(problems, 'id', textProblem(e.idempotencyKey));
  collect(problems, 'type', textProblem(e.type));
  collect(problems, 'ordering_key', textProblem(e.orderingKey ?? null));
  collect(problems, 'occurred_at', timeProblem(e.occurredAt));
  collect(problems, 'data', jsonProblem(e.data));
  collect(problems, 'actor', jsonProblem(e.actor));
  collect(problems, 'resource', jsonProblem(e.resource));
  collect(problems, 'previous', jsonProblem(e.previous));
  collect(problems, 'changes', jsonProblem(e.changes));
  return problems;
}

/**
 * A request's or response's JSON, by a bound on its size: only strings and numbers, so it always
 * serialises, to at most 6 bytes per character (\u00XX). Spares serialising a 64 KiB body twice
 * (about 0.1 ms here); exact only past the bound.
 */
function exchangeProblem(r: { url?: string; headers: Record<string, string>; body: string } | null): string | undefined {
  if (r === null) return undefined;
  let chars = r.body.length + (r.url?.length ?? 0) + 100;
  for (const [name, value] of Object.entries(r.headers)) chars += name.length + value.length + 8;
  return chars * 6 <= MAX_TEXT_BYTES ? undefined : jsonProblem(r);
}

/** An attempt's result as the dispatcher reports it. */
export function completionProblems(c: Completion): RowProblem[] {
  const problems: RowProblem[] = [];
  collect(problems, 'dueAt', timeProblem(c.dueAt));
  const a = c.attempt;
  if (a) {
    collect(problems, 'attempt.id', textProblem(a.id));
    collect(problems, 'attempt.startedAt', timeProblem(a.startedAt));
    collect(problems, 'attempt.durationMs', int32Problem(a.durationMs));
    collect(problems, 'attempt.request', exchangeProblem(a.request));
    collect(problems, 'attempt.response', exchangeProblem(a.response));
    if (a.response) collect(problems, 'attempt.response.status', int32Problem(a.response.status));
    collect(problems, 'attempt.errorMessage', textProblem(a.errorMessage));
  }
  return problems;
}

/**
 * Whether a failed write was the row's doing, so it would fail again however often it is tried:
 * these checks, PostgreSQL's data exceptions, integrity violations and program limits (SQLSTATE
 * classes 22, 23, 54), SQLite's constraint, size and type errors, and a value no driver can bind.
 * Anything else (a lost connection, a deadlock, a busy database) may pass when tried again.
 */
export function isRowFault(err: unknown): boolean {
  if (err instanceof RowValueError || err instanceof TypeError || err instanceof RangeError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (/^(22|23|54)[0-9A-Z]{3}$/.test(code)) return true;
  return /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/.test(code);
}

// What a database error means for the caller. Three kinds matter:
// - the store cannot be reached or cannot write (PostgreSQL restarting or down, the network,
//   SQLite's file locked for too long, its disk full): nothing the request did is at fault, it
//   will pass once the database is back — the API answers 503 with Retry-After, workers wait;
// - two transactions collided (a deadlock, a serialization failure): PostgreSQL rolled one back,
//   and running it again succeeds — the store does so itself;
// - anything else is a fault of the statement or of the data, reported as it is.
import type { Engine } from './store.ts';

/** The store cannot serve right now; `reason` says why in a few words (no address, no credentials). */
export class StoreUnavailableError extends Error {
  constructor(readonly engine: Engine, readonly reason: string, options?: { cause?: unknown }) {
    super(`the database (${engine}) is unavailable: ${reason}`, options);
    this.name = 'StoreUnavailableError';
  }
}

interface DbError { code?: unknown; errno?: unknown; message?: unknown }
const codeOf = (err: unknown): string => String((err as DbError | null)?.code ?? '');
const messageOf = (err: unknown): string => String((err as DbError | null)?.message ?? err);

// PostgreSQL SQLSTATEs: class 08 is the connection; 57P01-57P03 the server shutting down or
// starting; 53xxx out of connections, disk or memory; 25006 a read-only server (a standby).
const PG_UNAVAILABLE = /^(08...|57P0[1-3]|53...|25006|58030)$/;
// Node's socket errors, met connecting or on a connection the server dropped.
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
// pg's own, which carry no code.
const PG_CLIENT_GONE = /Connection terminated|timeout exceeded when trying to connect|is not queryable|Connection ended|connection timeout|Query read timeout/i;
// SQLite: the write lock held past the driver's patience, the disk full, I/O failing, the file unopenable or read-only.
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;

/** Says why the store is unavailable, or undefined when `err` is not that kind of error. */
export function unavailableReason(err: unknown): string | undefined {
  if (err instanceof StoreUnavailableError) return err.reason;
  const code = codeOf(err);
  if (PG_UNAVAILABLE.test(code)) {
    if (code.startsWith('57P')) return 'the server is shutting down or starting up';
    if (code === '53300') return 'the server has no connection to spare';
    if (code === '53100') return 'the server\'s disk is full';
    if (code === '25006') return 'the server is read-only';
    return 'the connection failed';
  }
  if (NET_UNAVAILABLE.has(code)) return code === 'ECONNREFUSED' ? 'the server refuses connections' : 'the connection failed';
  if (SQLITE_UNAVAILABLE.test(code)) {
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'the database file stayed locked by another writer';
    if (code === 'SQLITE_FULL') return 'the disk is full';
    if (code === 'SQLITE_NOMEM') return 'out of memory';
    return 'the database file cannot be read or written';
  }
  if (PG_CLIENT_GONE.test(messageOf(err))) return 'the connection was lost';
  return undefined;
}

/** A row referred to another that is not there (any more): a resend of an event retention just pruned. */
export const isForeignKeyViolation = (err: unknown): boolean => ['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY'].includes(codeOf(err));

/** A deadlock or a serialization failure: the transaction was rolled back, and may simply run again. */
export const isConflict = (err: unknown): boolean => ['40P01', '40001'].includes(codeOf(err));

/** For group commit (Splits): a write that failed because the store is away is nobody's fault, and splitting it would fail again. */
export const mayBeItemFault = (err: unknown): boolean => !(err instanceof StoreUnavailableError);

// Attempt results are group-committed (see group-commit.ts): a busy dispatcher records hundreds
// of results per transaction, an idle one records each within a couple of milliseconds.
// The transaction is shared by every tenant's results, so one result must never fail the
// others: the store checks each against what it can hold before the transaction begins
// (store/row-limits.ts), and a write that fails is retried apart, down to the result that broke it. A result
// that cannot be recorded is recorded as what it is: the delivery failed, with an `internal`
// attempt that says why. Left leased, it would be sent again at every lease's end, for ever.
import type { Logger } from 'pino';
import type { AttemptRecord, Completion, FailureRecord, Store } from '../store/store.ts';
import { isRowFault, jsonProblem, timeProblem } from '../store/row-limits.ts';
import { groupCommit } from '../group-commit.ts';
import { mayBeItemFault, StoreUnavailableError } from '../store/faults.ts';
import { newId } from '../ids.ts';

/**
 * How long a result waits for others to share its transaction. Its webhook's turn has already
 * ended (its receiver answered), so only the record waits: a serial webhook's results, one per
 * request, went from a transaction each to a few per transaction (660-950 → 1,260-1,430
 * deliveries/s on SQLite), and single events gained a few percent.
 */
const RECORD_LINGER_MS = 2;
/**
 * A result whose write fails alone for a reason that may pass (a lost connection, a deadlock) is
 * left leased: it is sent again when its lease ends. Past this many such failures of one
 * delivery, in a row, its result is taken for unrecordable after all.
 */
const MAX_STRIKES = 3;
const MAX_TRACKED_STRIKES = 10_000;
const MAX_REASON_CHARS = 1_000;
/** While the database is away, a result is written again after these waits (jittered), the last repeated. */
const UNAVAILABLE_WAITS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The delivery failed, with an attempt that says why its result could not be recorded; keeps what of the attempt can be stored. */
function failedCompletion(c: Completion, reason: string, at: number): Completion {
  const a = c.attempt;
  const startedAt = a && timeProblem(a.startedAt) === undefined ? a.startedAt : at;
  const attempt: AttemptRecord = {
    id: newId('att', startedAt), // not the original's: its id may be what was refused
    startedAt,
    durationMs: a && Number.isInteger(a.durationMs) && a.durationMs >= 0 && a.durationMs <= 2_147_483_647 ? a.durationMs : 0,
    request: a && jsonProblem(a.request) === undefined ? a.request : { method: a?.request.method ?? 'POST', url: '', headers: {}, body: '' },
    response: a && a.response && jsonProblem(a.response) === undefined && Number.isInteger(a.response.status) && Math.abs(a.response.status) < 1_000 ? a.response : null,
    errorKind: 'internal',
    errorMessage: `could not record this attempt's result: ${reason}`.replaceAll('\0', '\\0').slice(0, MAX_REASON_CHARS),
    succeeded: false,
  };
  return { deliveryId: c.deliveryId, leaseId: c.leaseId, tenantId: c.tenantId, webhookId: c.webhookId, keyed: c.keyed, status: 'failed', dueAt: null, attempt };
}

export function completionWriter(store: Store, now: () => number, log: Logger, onRecords: (records: FailureRecord[]) => void) {
  // A write that throws has recorded nothing (one transaction): group commit retries it apart.
  const writer = groupCommit<Completion, void>(async (batch) => {
    const records = await store.deliveries.complete(batch, now());
    try {
      onRecords(records);
    } catch (err) {
      log.error({ err }, 'could not act on webhooks\' failure records'); // recorded already: must not be written again
    }
    return batch.map(() => undefined);
  }, 1_000, RECORD_LINGER_MS, mayBeItemFault);

  // Results waiting for the database to come back, each in its pause; abandon() ends them all.
  let abandoned = false;
  const pauses = new Set<() => void>();
  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        pauses.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms * (0.75 + Math.random() / 2));
      pauses.add(done);
    });
  }

  const strikes = new Map<string, number>(); // delivery id → its results' write failures in a row that may pass

  function strike(deliveryId: string): number {
    const n = (strikes.get(deliveryId) ?? 0) + 1;
    strikes.delete(deliveryId); // re-inserted last: the map drops the oldest first
    strikes.set(deliveryId, n);
    if (strikes.size > MAX_TRACKED_STRIKES) strikes.delete(strikes.keys().next().value!);
    return n;
  }

  async function recordFailed(c: Completion, reason: string): Promise<void> {
    log.error({ delivery: c.deliveryId, tenant: c.tenantId, webhook: c.webhookId, reason }, 'could not record a delivery result: the delivery is marked failed');
    try {
      await writer.submit(failedCompletion(c, reason, now()));
      strikes.delete(c.deliveryId);
    } catch (err) {
      log.error({ err, delivery: c.deliveryId }, 'could not record a delivery as failed either; it will be sent again when its lease ends');
    }
  }

  /**
   * Records a result; never rejects (what could not be recorded is logged, and failed or left to its lease).
   * While the database is away the result is kept and written once it is back: the receiver has
   * answered, and a delivery left to its lease would be sent again. Its lease may run out
   * meanwhile; the write still lands unless another worker has taken the delivery since.
   */
  async function write(c: Completion): Promise<void> {
    // The store checks each result against what it can hold before its transaction begins
    // (recordCompletions): a bad one fails its write, which is then retried apart down to it.
    for (let waits = 0; ; waits++) {
      try {
        await writer.submit(c);
        strikes.delete(c.deliveryId);
        return;
      } catch (err) {
        if (err instanceof StoreUnavailableError && !abandoned) {
          await pause(UNAVAILABLE_WAITS_MS[Math.min(waits, UNAVAILABLE_WAITS_MS.length - 1)]!);
          continue;
        }
        return failedWrite(c, err);
      }
    }
  }

  async function failedWrite(c: Completion, err: unknown): Promise<void> {
    if (isRowFault(err)) return recordFailed(c, messageOf(err));
    if (err instanceof StoreUnavailableError) {
      // Stopping with the database away: no fault of this result's, so no strike against it.
      log.warn({ delivery: c.deliveryId, reason: err.reason }, 'stopping before the database came back: this result is not recorded, and the delivery is sent again when its lease ends');
      return;
    }
    const n = strike(c.deliveryId);
    if (n >= MAX_STRIKES) return recordFailed(c, `failed ${n} times in a row: ${messageOf(err)}`);
    log.error({ err, delivery: c.deliveryId, strikes: n }, 'could not record a delivery result; it will be sent again when its lease ends');
  }

  return {
    /** Resolves once the completion is written (or its write has failed and been dealt with). */
    write,
    drain: (): Promise<void> => writer.drain(),
    /** Stops waiting for the database (a stop past its grace): results not yet written are left to their leases. */
    abandon(): void {
      abandoned = true;
      for (const done of [...pauses]) done();
    },
  };
}

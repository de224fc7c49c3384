// "Work is due" across processes, with PostgreSQL's LISTEN/NOTIFY: an API-only process that
// ingests an event wakes the idle workers at once, instead of leaving them to their next poll.
// Notifies are coalesced (one in flight, at most one more after it), and each process ignores
// its own (its dispatcher was woken in-process already). The listening connection reconnects
// after a loss; the dispatcher's poll covers whatever was missed meanwhile.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DueSignal } from '../store.ts';

const CHANNEL = 'relais_due';
const RECONNECT_MS = 1_000;

/** `self`: the process's id (its threads share it, and wake each other without the database). */
export function postgresDueSignal(pool: pg.Pool, connectionString: string, onError: (err: Error) => void, self: string = randomUUID()): DueSignal {
  let sending: Promise<void> | undefined;
  let again = false;
  let client: pg.Client | undefined;
  let closed = false;
  let reconnect: NodeJS.Timeout | undefined;

  function send(): void {
    if (sending) {
      again = true;
      return;
    }
    again = false;
    sending = pool.query('SELECT pg_notify($1, $2)', [CHANNEL, self])
      .then(() => {}, onError)
      .finally(() => {
        sending = undefined;
        if (again) send();
      });
  }

  async function listen(onDue: () => void): Promise<void> {
    const c = new pg.Client({ connectionString });
    const lost = (err?: Error): void => {
      if (client !== c) return;
      client = undefined;
      c.removeAllListeners();
      c.end().catch(() => {});
      if (closed) return;
      if (err) onError(err);
      reconnect = setTimeout(() => { listen(onDue).catch(onError); }, RECONNECT_MS);
      reconnect.unref();
    };
    client = c;
    c.on('error', lost);
    c.on('end', () => lost(new Error('the LISTEN connection ended')));
    c.on('notification', (n) => { if (n.payload !== self) onDue(); });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      onDue(); // anything notified while (re)connecting
    } catch (err) {
      lost(err as Error);
    }
  }

  return {
    notify: send,
    listen,
    async close() {
      while (sending) await sending; // a short-lived `relais send` must not exit before its notify
      closed = true;
      clearTimeout(reconnect);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}

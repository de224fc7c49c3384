// "Work is due" across processes, with PostgreSQL's LISTEN/NOTIFY: an API-only process that
// ingests an event wakes the idle workers at once, instead of leaving them to their next poll.
// Notifies are coalesced (one in flight, at most one more after it), and each process ignores
// its own (its dispatcher was woken in-process already). The listening connection reconnects
// after a loss; the dispatcher's poll covers whatever was missed meanwhile.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DueSignal } from '../store.ts';

/** The channel "work is due" is told on (ingest-statement.ts tells it too). */
export const CHANNEL = 'relais_due';
const RECONNECT_MS = 1_000;

/** `self`: the process's id (its threads share it, and wake each other without the database). */
export function postgresDueSignal(pool: pg.Pool, connectionString: string, onError: (err: Error) => void, self: string = randomUUID()): DueSignal {
  let sending: Promise<void> | undefined;
  let again = false;
  let client: pg.Client | undefined;
  let closed = false;
  let reconnect: NodeJS.Timeout | undefined;
  let listening: boolean | undefined; // undefined until listen() is called
  let reported = false; // a lost connection is logged once, not at every failed reconnection

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
    listening ??= false;
    const c = new pg.Client({ connectionString });
    const lost = (err?: Error): void => {
      if (client !== c) return;
      client = undefined;
      listening = false;
      c.removeAllListeners();
      c.on('error', () => {}); // ending it may still report the broken socket
      c.end().catch(() => {});
      if (closed) return;
      if (err && !reported) onError(err);
      reported = true;
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
      listening = true;
      reported = false;
      onDue(); // anything notified while (re)connecting
    } catch (err) {
      lost(err as Error);
    }
  }

  return {
    notify: send,
    listen,
    get listening() {
      return listening;
    },
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

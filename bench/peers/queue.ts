// What the two peers have in common: the sender every job goes through (the delivery Relais
// would send, signed per job, POSTed through one socket pool as wide as Relais' per origin), and
// the count of jobs done that tells the harness when a run is over.
import { Pool } from 'undici';
import { signedDelivery } from '../delivery.ts';

/** A peer's job queue and its worker, as the child (child.ts) drives them. */
export interface PeerQueue {
  /** Enqueues the events numbered from..to-1 as jobs, one statement or command for all of them. */
  add(from: number, to: number): Promise<void>;
  /** Resolves once `count` more jobs have been delivered and the queue has recorded them done. */
  drained(count: number): Promise<void>;
  close(): Promise<void>;
}

export interface Sender {
  /** Signs the event's data as delivery `msgId` and POSTs it; throws on an answer other than 2xx (the queue retries). */
  send(data: unknown, msgId: string): Promise<void>;
  close(): Promise<void>;
}

export function createSender(receiverUrl: string, connections: number): Sender {
  const pool = new Pool(receiverUrl, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  return {
    async send(data, msgId) {
      const { body, headers } = signedDelivery(data, msgId);
      const res = await pool.request({ path: '/peer', method: 'POST', headers, body });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`the receiver answered ${res.statusCode}`);
    },
    close: () => pool.close(),
  };
}

/** Jobs done so far, and waits for a number of them (the worker counts, drained() waits). */
export function doneCounter(): { add(n: number): void; reached(count: number): Promise<void> } {
  let done = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  return {
    add(n) {
      done += n;
      for (const w of waiters.filter((x) => done >= x.at)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    reached: (count) => new Promise<void>((resolve) => {
      const at = done + count;
      if (done >= at) resolve();
      else waiters.push({ at, resolve });
    }),
  };
}

/** A job's retries, as a webhook sender would set them: 8 attempts, backing off exponentially. */
export const ATTEMPTS = 8;
export const BACKOFF_MS = 5_000;

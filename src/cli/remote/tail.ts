// `relais tail <tenant>`: follows the delivery log live, one line per new delivery and per change
// of a delivery's status or attempts, until SIGINT or SIGTERM (exit 0).
//
// It polls the log (newest first, by pages) every --interval: the deliveries created since the
// newest one it has seen (less a few seconds, for transactions that commit late), or since the
// oldest one still on its way, whichever is earlier, so a retried delivery's later attempts show
// too. The first poll only notes what is there (unless --since asks for it); each delivery is
// remembered until it is finished and out of the window, so nothing prints twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Delivery, DeliveryQuery } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { deliveryFilters, type FilterOptions } from './deliveries.ts';
import { deliveryLine } from './delivery-line.ts';
import { positiveInt } from './input.ts';
import { paint } from './output.ts';

export interface TailOptions extends RemoteOptions, Omit<FilterOptions, 'until' | 'status' | 'held'> {
  interval?: string;
}

const PAGE = 100;
const MAX_PAGES = 10;
const LATE_COMMIT_MS = 5_000;
const FINISHED = new Set<Delivery['status']>(['succeeded', 'failed', 'cancelled']);

interface Known { status: Delivery['status']; attempts: number; createdAt: string }

export async function tail(tenant: string, options: TailOptions): Promise<void> {
  const relais = clientOf(options);
  const intervalMs = options.interval === undefined ? 1_000 : positiveInt(options.interval, '--interval');
  const filters = deliveryFilters(options);
  const known = new Map<string, Known>();
  let newest: string | undefined = filters.since;
  let quiet = filters.since === undefined; // the first poll notes what exists without printing it
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const print = (d: Delivery, what: 'new' | 'changed'): void => {
    process.stdout.write(`${options.json ? JSON.stringify(d) : deliveryLine(d, what)}\n`);
  };

  /** Where the next poll starts: late commits before the newest seen, or the oldest unfinished. */
  const windowStart = (): string | undefined => {
    if (newest === undefined) return undefined;
    let start = new Date(Date.parse(newest) - LATE_COMMIT_MS).toISOString();
    for (const k of known.values()) if (!FINISHED.has(k.status) && k.createdAt < start) start = k.createdAt;
    return start;
  };

  async function poll(): Promise<void> {
    const since = windowStart();
    const found: Delivery[] = [];
    let before: string | undefined;
    for (let page = 0; page < (quiet ? 1 : MAX_PAGES); page++) {
      const query: DeliveryQuery = { ...filters, limit: PAGE, ...(since === undefined ? {} : { since }), ...(before === undefined ? {} : { before }) };
      const answer = await relais.deliveries.list(tenant, query);
      found.push(...answer.data);
      if (answer.next_cursor === null) break;
      before = answer.next_cursor;
    }
    for (const d of found.reverse()) {
      const was = known.get(d.id);
      if (!quiet && (!was || was.status !== d.status || was.attempts !== d.attempt_count)) print(d, was ? 'changed' : 'new');
      known.set(d.id, { status: d.status, attempts: d.attempt_count, createdAt: d.created_at });
      if (newest === undefined || d.created_at > newest) newest = d.created_at;
    }
    quiet = false;
    const start = windowStart();
    for (const [id, k] of known) if (FINISHED.has(k.status) && start !== undefined && k.createdAt < start) known.delete(id);
  }

  if (!options.json) process.stderr.write(paint('dim', `following ${tenant}'s deliveries (Ctrl-C to stop)\n`));
  let warned = false;
  try {
    while (!stop.signal.aborted) {
      try {
        await poll();
        warned = false;
      } catch (err) {
        // The tenant or a filter refused: nothing to follow. A network blip or a 5xx: keep polling.
        const status = (err as { status?: number }).status;
        if (status !== undefined && status < 500 && status !== 429) throw err;
        if (!warned) process.stderr.write(`relais: ${(err as Error).message}; still trying\n`);
        warned = true;
      }
      await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

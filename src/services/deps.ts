// What every service is handed: the store, the clock, the config, and a way to nudge the
// dispatcher when new work is queued (in-process; other processes find it by polling or NOTIFY).
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TemplateRenderer } from '../render/renderer.ts';
import type { ClaimedDelivery, Store } from '../store/store.ts';

/** One ingest's hold on the dispatcher's free slots. */
export interface SlotReservation {
  /**
   * Takes up to `n` slots in place of what this reservation held: a transaction that collided is
   * run again by the store, and takes again.
   */
  take(n: number): number;
  /** The ingest committed `leased` (handed over now) or, with none, failed: the unused slots go back. */
  settle(leased?: readonly ClaimedDelivery[]): void;
}

/**
 * The leasing port: ingest stores fresh deliveries already leased to this process's dispatcher
 * while it has free slots (dispatcher/ingest-leasing.ts implements it), one reservation per ingest.
 */
export interface IngestLeasing {
  reserve(): SlotReservation;
}

export interface ServiceDeps {
  store: Store;
  config: Config;
  now: () => number;
  /**
   * Work was queued: this process's dispatcher, and other processes' unless the store told them
   * already (`othersWoken`). `tenants`: whose work it is, when known (scheduler.ts wake).
   */
  wake: (othersWoken?: boolean, tenants?: readonly string[]) => void;
  /** None when this process does not deliver. */
  leasing?: IngestLeasing | undefined;
  log: Logger;
  /** Renders `template` bodies in the sandbox, for previews (the dispatcher is handed the same pool). */
  templates: TemplateRenderer;
}

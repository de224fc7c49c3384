// What every service is handed: the store, the clock, the config, and a way to nudge the
// dispatcher when new work is queued (in-process; other processes find it by polling or NOTIFY).
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TemplateRenderer } from '../render/renderer.ts';
import type { ClaimedDelivery, Store } from '../store/store.ts';

/**
 * This process's dispatcher, taking fresh deliveries straight from ingest while it has free slots
 * (dispatcher/credits.ts): `take` reserves slots, `giveBack` returns the ones a failed ingest did
 * not use, `deliver` hands over what was stored leased to it.
 */
export interface Handoff {
  take(n: number): number;
  giveBack(n: number): void;
  deliver(leased: ClaimedDelivery[]): void;
}

export interface ServiceDeps {
  store: Store;
  config: Config;
  now: () => number;
  wake: () => void;
  /** None when this process does not deliver, or for services that must not hand work over. */
  handoff?: Handoff | undefined;
  log: Logger;
  /** Renders `template` bodies in the sandbox, for previews (the dispatcher is handed the same pool). */
  templates: TemplateRenderer;

}

// What every service is handed: the store, the clock, the config, and a way to nudge the
// dispatcher when new work is queued (in-process; other processes find it by polling or NOTIFY).
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TemplateRenderer } from '../render/renderer.ts';
import type { Store } from '../store/store.ts';

export interface ServiceDeps {
  store: Store;
  config: Config;
  now: () => number;
  wake: () => void;
  log: Logger;
  /** Renders `template` bodies in the sandbox, for previews (the dispatcher is handed the same pool). */
  templates: TemplateRenderer;

}

// What every process that touches the store builds, API or not: the store, the template sandbox,
// the services, and the delivery engine (dispatcher/engine.ts) — the dispatcher thread builds
// exactly this, main.ts adds the API on top.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { deliveryEngine, type DeliveryEngine } from './dispatcher/engine.ts';
import { createTemplateRenderer, type TemplateRenderer } from './render/renderer.ts';
import { createServices, type Services } from './services/index.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';

export interface Assembly {
  config: Config;
  store: Store;
  templates: TemplateRenderer;
  services: Services;
  engine: DeliveryEngine;
  /** Stops the engine (deliveries in flight get graceMs), then closes what it was built on. */
  close(graceMs: number): Promise<void>;
}

export function assemble(config: Config, log: Logger, { credits, counters }: { credits?: SharedArrayBuffer | undefined; counters?: SharedArrayBuffer | undefined } = {}): Assembly {
  const store = openStore(config, log);
  const templates = createTemplateRenderer();
  // The engine disables failing webhooks through the same service the API uses.
  const disableWebhook = (tenantId: string, webhookId: string, reason: string): Promise<void> => services.webhooks.disableFailing(tenantId, webhookId, reason);
  const engine = deliveryEngine({ config, log, store, templates, disableWebhook, credits, counters });
  const services = createServices({ store, config, now: Date.now, wake: engine.wake, leasing: engine.leasing, log, templates });
  return {
    config, store, templates, services, engine,
    async close(graceMs) {
      await engine.stop(graceMs);
      await templates.close();
      services.notices.close();
      await store.close();
    },
  };
}

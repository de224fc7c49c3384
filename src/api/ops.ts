// The two routes an operator's tools call, without a token: /healthz (health.ts) and /metrics
// (Prometheus' text format, metrics/registry.ts). /metrics is public as /healthz is, because
// scrapers rarely send bearer tokens; so it carries only process-wide counts, with no tenant or
// webhook id, no URL and no secret in any label. Both are served by the API, and by a worker-only
// process on a server of its own (buildOpsServer), which has no other route.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/registry.ts';
import type { Store } from '../store/store.ts';
import { health, type ProcessHealth } from './health.ts';

export interface OpsDeps {
  store: Pick<Store, 'ping' | 'engine' | 'health'>;
  processHealth: () => ProcessHealth;
  /** None: /metrics answers 404 (a server built without them, in tests). */
  metrics?: Pick<Metrics, 'contentType' | 'text'> | undefined;
}

export function opsRoutes(app: FastifyInstance, { store, processHealth, metrics }: OpsDeps): void {
  app.get('/healthz', { schema: { hide: true } }, (_req, reply) => health(store, reply, processHealth()));
  if (metrics) app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));
}

/** A worker-only process's server: /healthz and /metrics, nothing else. */
export function buildOpsServer(deps: OpsDeps & { log: Logger }): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true });
  opsRoutes(app, deps);
  return app;
}

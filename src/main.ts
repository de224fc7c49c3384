// Wires config → store → services → API and delivery engine, each switchable by role, so one
// binary can run as an API node, a worker, or both (the default).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { buildServer } from './api/server.ts';
import { buildOpsServer } from './api/ops.ts';
import { createMetrics } from './metrics/registry.ts';
import { assemble } from './assemble.ts';
import type { DeliveryEngine } from './dispatcher/engine.ts';
import type { Services } from './services/index.ts';
import type { Store } from './store/store.ts';
import { unavailableReason } from './store/faults.ts';
import { startPruner, type Pruner } from './services/retention.ts';

const START_RETRY_MS = 1_000;

/**
 * A process started while its database is away (a worker restarted during an outage, the whole
 * stack started in any order) waits for it rather than exit; any other error ends the start.
 */
async function migrateWhenReachable(store: Store, log: Logger): Promise<void> {
  for (let told = false; ; told = true) {
    try {
      return await store.migrate();
    } catch (err) {
      const reason = unavailableReason(err);
      if (reason === undefined) throw err;
      if (!told) log.warn({ engine: store.engine, reason }, 'waiting for the database before starting');
      await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS));
    }
  }
}

export interface Relais {
  config: Config;
  store: Store;
  services: Services;
  /** The API (API role). */
  server: FastifyInstance | undefined;
  /** A worker-only process's server of /healthz and /metrics alone (on RELAIS_PORT); none with the API, which serves both. */
  ops: FastifyInstance | undefined;
  /** Delivery in this process: where it runs (placement), its scheduler when it runs in this thread. */
  engine: DeliveryEngine;
  /** Listens (the API, or a worker's /healthz and /metrics) and starts delivering (worker role); returns the URL listened on. */
  start(): Promise<string | undefined>;
  /** Graceful stop: no new requests or claims, in-flight deliveries finished or released, store closed. */
  stop(graceMs?: number): Promise<void>;
}

export async function createRelais(config: Config, log: Logger): Promise<Relais> {
  const { store, services, engine, close } = assemble(config, log);
  await migrateWhenReachable(store, log);
  const metrics = createMetrics({ store, dispatch: engine.counters });
  const server = config.roles.api ? await buildServer({ services, store, log, publicUrl: config.publicUrl, processHealth: engine.health, metrics }) : undefined;
  const ops = !server && config.roles.worker ? buildOpsServer({ store, processHealth: engine.health, metrics, log }) : undefined;
  const listener = server ?? ops;
  let stopping: Promise<void> | undefined;
  // Retention runs in worker processes, once per process (not in its dispatcher thread).
  let pruner: Pruner | undefined;

  return {
    config, store, services, server, ops, engine,
    async start() {
      await engine.start();
      if (config.roles.worker && config.retentionMs > 0) {
        pruner = startPruner({ store, retentionMs: config.retentionMs, intervalMs: config.pruneIntervalMs, log });
      }
      if (!listener) return undefined;
      await listener.listen({ port: config.port, host: config.host });
      const address = listener.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    },
    stop(graceMs) {
      stopping ??= (async () => {
        await listener?.close();
        await pruner?.stop();
        await close(graceMs ?? config.shutdownGraceMs);
      })();
      return stopping;
    },
  };
}

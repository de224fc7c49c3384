// Wires config → store → services → API and dispatcher, each switchable by role, so one
// binary can run as an API node, a worker, or both (the default).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { buildServer } from './api/server.ts';
import type { ProcessHealth } from './api/health.ts';
import { createDispatcher, type Dispatcher } from './dispatcher/dispatcher.ts';
import { createSender } from './dispatcher/sender.ts';
import { sharedCredits } from './dispatcher/credits.ts';
import { startDispatchThread, type DispatchThread } from './dispatcher/thread.ts';
import { wakeChannel } from './dispatcher/wake-channel.ts';
import { createTemplateRenderer } from './render/renderer.ts';
import { createServices, type Services } from './services/index.ts';
import type { Handoff } from './services/deps.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { unavailableReason } from './store/faults.ts';

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
  server: FastifyInstance | undefined;
  /** The dispatcher when it runs in this thread; undefined when it runs in a thread of its own, or not in this process. */
  dispatcher: Dispatcher | undefined;
  /** Where this process delivers: in this thread, in a dispatcher thread, or not at all (RELAIS_ROLES). */
  dispatching: 'here' | 'thread' | 'off';
  /** Listens (API role) and starts delivering (worker role); returns the URL listened on. */
  start(): Promise<string | undefined>;
  /** Graceful stop: no new requests or claims, in-flight deliveries finished or released, store closed. */
  stop(graceMs?: number): Promise<void>;
}

export interface RelaisOptions {
  /** The dispatcher's credits (dispatcher/credits.ts), when its thread shares them with the API's. */
  credits?: SharedArrayBuffer;
}

export async function createRelais(config: Config, log: Logger, options: RelaisOptions = {}): Promise<Relais> {
  const store = openStore(config, log);
  await migrateWhenReachable(store, log);
  const dispatching = !config.roles.worker ? 'off' : config.roles.api && config.dispatchThread ? 'thread' : 'here';
  const sender = dispatching === 'here' ? createSender({ timeoutMs: config.requestTimeoutMs, allowTargets: config.allowTargets }) : undefined;
  const templates = createTemplateRenderer();
  // The dispatcher disables failing webhooks through the same service the API uses.
  const disableWebhook = (tenantId: string, webhookId: string, reason: string): Promise<void> => services.webhooks.disableFailing(tenantId, webhookId, reason);
  const credits = dispatching === 'off' ? undefined : sharedCredits(options.credits);
  const dispatcher = sender ? createDispatcher({ store, sender, templates, config, log, disableWebhook, credits }) : undefined;
  const channel = wakeChannel(config);
  // Fresh deliveries this process's dispatcher has room for: to it directly, or through the channel to its thread.
  const handoff: Handoff | undefined = credits && { take: credits.take, giveBack: credits.give, deliver: dispatcher ? dispatcher.accept : channel.handOff };
  let thread: DispatchThread | undefined;
  // Work just queued: this thread's dispatcher at once, another thread's through the channel,
  // other processes' through the store.
  const wake = (): void => {
    if (dispatcher) dispatcher.wake();
    else if (dispatching === 'thread') channel.notify();
    store.dueSignal.notify();
  };
  const services = createServices({ store, config, now: Date.now, wake, handoff, log, templates });
  const processHealth = (): ProcessHealth => {
    if (dispatching === 'here') return { dispatcher: { status: 'up' }, listening: store.dueSignal.listening };
    if (dispatching === 'off' || !thread) return {};
    const { running, listening } = thread.status();
    return { dispatcher: running ? { status: 'up' } : { status: 'down', reason: 'its thread ended and is being started again' }, listening };
  };
  const server = config.roles.api ? await buildServer({ services, store, log, publicUrl: config.publicUrl, processHealth }) : undefined;
  let stopping: Promise<void> | undefined;

  return {
    config, store, services, server, dispatcher, dispatching,
    async start() {
      if (dispatcher) {
        dispatcher.start();
        channel.listen({ due: dispatcher.wake, leased: dispatcher.accept });
        await store.dueSignal.listen(dispatcher.wake);
      }
      if (dispatching === 'thread') thread = await startDispatchThread(config, log, { credits: credits!.buffer });
      if (!server) return undefined;
      await server.listen({ port: config.port, host: config.host });
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    },
    stop(graceMs) {
      stopping ??= (async () => {
        await server?.close();
        await dispatcher?.stop(graceMs ?? config.shutdownGraceMs);
        await thread?.stop(graceMs ?? config.shutdownGraceMs);
        channel.close();
        await sender?.close();
        await templates.close();
        services.notices.close();
        await store.close();
      })();
      return stopping;
    },
  };
}

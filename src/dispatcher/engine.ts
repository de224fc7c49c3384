// The one door to delivery in a process. Whoever starts delivery (main.ts, and the dispatcher
// thread for itself) starts it here, and this alone decides where the dispatcher runs: in this
// thread, in a thread of its own (both roles in one process, RELAIS_DISPATCH_THREAD), or nowhere
// (RELAIS_ROLES without `worker`). It owns what that choice needs: the credits ingest spends
// (credits.ts), the channel between the threads (wake-channel.ts) and the thread's supervisor
// (thread.ts). Services see two things of it: wake(), and the leasing port.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { ProcessHealth } from '../api/health.ts';
import type { TemplateRenderer } from '../render/renderer.ts';
import type { Store } from '../store/store.ts';
import { dispatchCounters, type DispatchCounters } from './counters.ts';
import { sharedCredits, type Credits } from './credits.ts';
import type { IngestLeasing } from '../services/deps.ts';
import { ingestLeasing } from './ingest-leasing.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';
import { createSender } from './sender.ts';
import { startDispatchThread, type DispatchThread } from './thread.ts';
import { wakeChannel } from './wake-channel.ts';

export type Placement = 'here' | 'thread' | 'off';

export interface DeliveryEngineDeps {
  config: Config;
  log: Logger;
  store: Store;
  templates: TemplateRenderer;
  /** Disables a failing webhook (and tells its owner): the same service the API uses. */
  disableWebhook: (tenantId: string, webhookId: string, reason: string) => Promise<void>;
  /** Inside the dispatcher thread: the credits' memory the API's thread spends from. */
  credits?: SharedArrayBuffer | undefined;
  /** Inside the dispatcher thread: the metrics' memory the API's thread reads at a scrape (counters.ts). */
  counters?: SharedArrayBuffer | undefined;
}

export interface DeliveryEngine {
  readonly placement: Placement;
  /** The scheduler when it runs in this thread (tests watch it). */
  readonly scheduler: Scheduler | undefined;
  /**
   * Work was just queued: this thread's scheduler at once, the dispatcher thread's through the
   * channel, other processes' through the store (unless the store told them already).
   */
  wake(othersWoken?: boolean, tenants?: readonly string[]): void;
  /** How ingest stores fresh deliveries already leased to this process's dispatcher; none when nothing here delivers (or RELAIS_HANDOFF is off). */
  readonly leasing: IngestLeasing | undefined;
  /** The dispatcher's metrics, wherever it runs (written by its thread, read here); none when nothing here delivers. */
  readonly counters: DispatchCounters | undefined;
  start(): Promise<void>;
  /** Stops claiming; deliveries in flight finish for up to graceMs, then are aborted and released. */
  stop(graceMs: number): Promise<void>;
  health(): ProcessHealth;
}

export function placementOf(config: Pick<Config, 'roles' | 'dispatchThread'>): Placement {
  if (!config.roles.worker) return 'off';
  return config.roles.api && config.dispatchThread ? 'thread' : 'here';
}

export function deliveryEngine({ config, log, store, templates, disableWebhook, credits: shared, counters: sharedCounters }: DeliveryEngineDeps): DeliveryEngine {
  const placement = placementOf(config);
  const credits: (Credits & { buffer: SharedArrayBuffer }) | undefined = placement !== 'off' && config.handOff ? sharedCredits(shared) : undefined;
  const counters = placement !== 'off' ? dispatchCounters(sharedCounters) : undefined;
  const sender = placement === 'here' ? createSender({ timeoutMs: config.requestTimeoutMs, allowTargets: config.allowTargets, log }) : undefined;
  const scheduler = sender && createScheduler({ store, sender, templates, config, log, disableWebhook, credits, counters });
  const channel = wakeChannel(config);
  const leasing = credits && ingestLeasing(credits, scheduler ? scheduler.receive : channel.handOver);
  let thread: DispatchThread | undefined;

  return {
    placement,
    scheduler,
    leasing,
    counters,
    wake(othersWoken = false, tenants) {
      if (scheduler) scheduler.wake(tenants);
      else if (placement === 'thread') channel.notify(tenants);
      if (!othersWoken) store.dueSignal.notify();
    },
    async start() {
      if (scheduler) {
        scheduler.start();
        channel.listen({ due: scheduler.wake, handedOver: scheduler.receive });
        await store.dueSignal.listen(scheduler.wake);
      }
      if (placement === 'thread') thread = await startDispatchThread(config, log, { credits: credits?.buffer, counters: counters?.buffer });
    },
    async stop(graceMs) {
      await scheduler?.stop(graceMs);
      await thread?.stop(graceMs);
      channel.close();
      await sender?.close();
    },
    health() {
      if (placement === 'here') return { dispatcher: { status: 'up' }, listening: store.dueSignal.listening };
      if (!thread) return {};
      const { running, listening } = thread.status();
      return { dispatcher: running ? { status: 'up' } : { status: 'down', reason: 'its thread ended and is being started again' }, listening };
    },
  };
}

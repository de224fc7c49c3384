// One delivery, once its turn is granted: render its body, sign the request, send it, record
// what came of it. Typed stages (attempt.ts holds the pure ones); the scheduler (dispatcher.ts)
// decides when a delivery goes and frees its slot, and is told the moment the receiver answers
// so the webhook's next request can go while this one is recorded.
import type { Logger } from 'pino';
import { buildRequest } from '../core/request.ts';
import { signingSecrets, type AttemptRequest, type Webhook } from '../core/model.ts';
import type { RenderedBody } from '../core/formats/envelopes.ts';
import { TemplateError, type TemplateRenderer } from '../render/renderer.ts';
import { renderBody } from '../render/body.ts';
import type { ClaimedDelivery, Completion, Store } from '../store/store.ts';
import { answered as afterAnswer, templateFailed, unsent } from './attempt.ts';
import type { DispatchCounters } from './counters.ts';
import type { Sender, SendOutcome } from './sender.ts';

export interface DelivererDeps {
  store: Store;
  sender: Sender;
  templates: TemplateRenderer;
  /** Records a completion (completions.ts); never rejects. */
  record: (completion: Completion) => Promise<void>;
  retryScheduleMs: readonly number[];
  log: Logger;
  now: () => number;
  random: () => number;
  counters: DispatchCounters;
}

/** What the scheduler hears of one delivery on its way. */
export interface Hooks {
  /** The receiver answered (its status, null for none), or no request will be made (undefined): the webhook's turn may end. */
  answered(status: number | null | undefined): void;
  /** A completion to the store set it due again at `at` (a retry). */
  due(at: number): void;
  /** The receiver answered 410 Gone: the webhook is to be disabled. */
  gone(webhook: Webhook): void;
}

export function createDeliverer({ store, sender, templates, record, retryScheduleMs, log, now, random, counters }: DelivererDeps) {
  // Read once: the per-attempt debug line costs nothing (not even its object) when debug is off.
  const debug = log.isLevelEnabled('debug');
  /** The stage before sending: the signed request, or the completion that ends the delivery unsent. */
  async function build(claimed: ClaimedDelivery, webhook: Webhook, startedAt: number): Promise<{ request: AttemptRequest } | { completion: Completion }> {
    let rendered: RenderedBody;
    try {
      rendered = await renderBody(webhook, claimed.event, templates);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      log.warn({ delivery: claimed.delivery.id, webhook: webhook.id, reason: err.message }, 'template failed; delivery not sent');
      return { completion: templateFailed(claimed, webhook, startedAt, err.message) };
    }
    return { request: buildRequest({ webhook, secrets: signingSecrets(webhook, startedAt), rendered, msgId: claimed.delivery.messageId, timestampS: Math.floor(startedAt / 1000) }) };
  }

  return {
    /** Nothing to send (webhook deleted or disabled meanwhile): record so. */
    skip(claimed: ClaimedDelivery): Promise<void> {
      const completion = unsent(claimed);
      counters.outcome(completion.status === 'cancelled' ? 'cancelled' : 'held');
      return record(completion);
    },

    /** Sends `claimed` to `webhook` and records the outcome; a send interrupted by a stop gives the lease back untouched. */
    async deliver(claimed: ClaimedDelivery, webhook: Webhook, hooks: Hooks): Promise<void> {
      const startedAt = now();
      const built = await build(claimed, webhook, startedAt);
      if ('completion' in built) {
        hooks.answered(undefined);
        counters.attempt(false, 'template', 0);
        counters.outcome('failed');
        await record(built.completion);
        if (claimed.delivery.orderingKey !== null) hooks.due(now());
        return;
      }
      counters.sending(1);
      let outcome: SendOutcome;
      try {
        outcome = await sender.send(built.request, { timeoutMs: webhook.timeoutMs, followRedirects: webhook.followRedirects });
      } finally {
        counters.sending(-1);
      }
      if (outcome.interrupted) {
        hooks.answered(undefined);
        return store.deliveries.release([{ deliveryId: claimed.delivery.id, leaseId: claimed.leaseId }], now());
      }
      hooks.answered(outcome.response?.status ?? null);
      const { completion, gone } = afterAnswer(claimed, webhook, built.request, outcome, startedAt, { retryScheduleMs, now: now(), random: random() });
      const succeeded = completion.attempt?.succeeded === true;
      counters.attempt(succeeded, outcome.error?.kind ?? null, outcome.durationMs);
      counters.outcome(completion.status === 'pending' ? 'retry_scheduled' : completion.status === 'succeeded' ? 'succeeded' : 'failed');
      if (!succeeded) {
        log.info({ delivery: claimed.delivery.id, webhook: webhook.id, attempt: claimed.delivery.attempts + 1, status: outcome.response?.status, error: outcome.error?.kind, ms: outcome.durationMs, next: completion.status }, 'delivery attempt failed');
      } else if (debug) {
        log.debug({ delivery: claimed.delivery.id, webhook: webhook.id, status: outcome.response?.status, ms: outcome.durationMs }, 'delivery attempt succeeded');
      }
      await record(completion);
      if (completion.status === 'pending' && completion.dueAt !== null) hooks.due(completion.dueAt);
      else if (claimed.delivery.orderingKey !== null) hooks.due(now()); // the next of its key is due now (store/kysely/completions.ts unblockNext)
      if (gone) hooks.gone(webhook);
    },
  };
}

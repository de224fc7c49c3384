// What becomes of a delivery after one attempt, as pure functions of what happened: the
// completion the store records (the attempt, the delivery's new status and due time). The
// deliverer (deliverer.ts) runs the stages around them: render, sign, send, record.
import { redactUrlPassword } from '../core/destinations.ts';
import { redactHeaders } from '../core/redaction.ts';
import { afterAttempt, isSuccess, retryAfterMs, scheduleFor } from '../core/retry.ts';
import type { AttemptRequest, Webhook } from '../core/model.ts';
import { newId } from '../ids.ts';
import type { ClaimedDelivery, Completion } from '../store/store.ts';
import type { SendOutcome } from './sender.ts';

type Base = Pick<Completion, 'deliveryId' | 'leaseId' | 'tenantId' | 'webhookId' | 'keyed'>;

const baseOf = ({ delivery, leaseId }: ClaimedDelivery): Base =>
  ({ deliveryId: delivery.id, leaseId, tenantId: delivery.tenantId, webhookId: delivery.webhookId, keyed: delivery.orderingKey !== null });

/** Nothing to send: the webhook was deleted (cancelled), or disabled (held until it is enabled again). */
export function unsent(claimed: ClaimedDelivery): Completion {
  return { ...baseOf(claimed), attempt: null, status: claimed.webhook ? 'pending' : 'cancelled', dueAt: null };
}

/** The webhook's template failed on this event: it would fail again, so the delivery fails now, saying why. */
export function templateFailed(claimed: ClaimedDelivery, webhook: Webhook, startedAt: number, message: string): Completion {
  return {
    ...baseOf(claimed), status: 'failed', dueAt: null,
    attempt: {
      id: newId('att', startedAt), startedAt, durationMs: 0, succeeded: false, response: null, errorKind: 'template', errorMessage: message,
      request: { method: webhook.method, url: redactUrlPassword(webhook.url), headers: redactHeaders(webhook.headers, webhook.secretHeaders), body: '' },
    },
  };
}

/** An error's message as recorded: should it quote the URL, a broker's password is not in it. */
function withoutUrlPassword(message: string, url: string): string {
  const redacted = redactUrlPassword(url);
  return redacted === url ? message : message.split(url).join(redacted);
}

export interface Policy {
  /** The server's retry schedule, for webhooks that keep the default. */
  retryScheduleMs: readonly number[];
  now: number;
  /** For the retry's jitter. */
  random: number;
}

/**
 * The receiver answered (or did not): the attempt as recorded, and the delivery's next step.
 * `gone`: a 410, the webhook is to be disabled — unless it never is (auto_disable false), when a
 * 410 is a failure like any other.
 */
export function answered(claimed: ClaimedDelivery, webhook: Webhook, request: AttemptRequest, outcome: SendOutcome, startedAt: number, policy: Policy):
  { completion: Completion; gone: boolean } {
  const succeeded = outcome.response !== null && isSuccess(outcome.response.status);
  const gone = outcome.response?.status === 410 && webhook.autoDisable;
  const next = gone
    ? { status: 'failed' as const, dueAt: null } // no point retrying: the webhook goes too
    : afterAttempt({
      succeeded, attemptsMade: claimed.delivery.attempts + 1, schedule: scheduleFor(webhook.retry, policy.retryScheduleMs), now: policy.now, random: policy.random,
      retryAfterMs: outcome.response ? retryAfterMs(outcome.response.status, outcome.response.headers, policy.now) : undefined,
    });
  return {
    gone,
    completion: {
      ...baseOf(claimed), status: next.status, dueAt: next.dueAt,
      attempt: {
        id: newId('att', startedAt), startedAt, durationMs: outcome.durationMs,
        request: { ...request, url: redactUrlPassword(request.url), headers: redactHeaders(request.headers, webhook.secretHeaders) }, response: outcome.response,
        errorKind: outcome.error?.kind ?? null, errorMessage: outcome.error ? withoutUrlPassword(outcome.error.message, request.url) : null, succeeded,
      },
    },
  };
}

// The pure stages of one attempt: what is recorded for a webhook gone or disabled, a template
// that failed, and each kind of answer (success, retry, Retry-After, 410, the schedule's end).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newWebhook } from '../../test/helpers/webhooks.ts';
import type { ClaimedDelivery } from '../store/store.ts';
import type { SendOutcome } from './sender.ts';
import { answered, templateFailed, unsent } from './attempt.ts';

const webhook = { ...newWebhook('acme', ['t']), headers: { authorization: 'Bearer s3cret', 'x-plain': 'shown' }, createdAt: 0, updatedAt: 0, previousSecret: null, previousSecretUntil: null, consecutiveFailures: 0, failingSince: null, lastSuccessAt: null, disabledReason: null, tenantExportKey: null };
const claimed = (attempts = 0, withWebhook = true): ClaimedDelivery => ({
  leaseId: 'lse_1',
  delivery: { id: 'dlv_1', tenantId: 'acme', eventId: 'evt_1', eventType: 't', webhookId: webhook.id, status: 'delivering', attempts, dueAt: 0, lastAttemptAt: null, lastStatusCode: null, createdAt: 0, updatedAt: 0 } as ClaimedDelivery['delivery'],
  event: {} as ClaimedDelivery['event'],
  webhook: withWebhook ? webhook : undefined,
});
const request = { method: 'POST' as const, url: webhook.url, headers: { authorization: 'Bearer s3cret', 'webhook-signature': 'v1,abc' }, body: '{}' };
const reply = (status: number, headers: Record<string, string> = {}): SendOutcome => ({ response: { status, headers, body: '', bodyTruncated: false }, durationMs: 7, error: null } as unknown as SendOutcome);
const policy = { retryScheduleMs: [0, 1_000, 5_000], now: 100_000, random: 0.5 };

describe('attempt stages', () => {
  it('unsent: a deleted webhook cancels, a disabled one holds', () => {
    assert.deepEqual([unsent(claimed(0, false)).status, unsent(claimed()).status], ['cancelled', 'pending']);
    assert.equal(unsent(claimed()).attempt, null);
    assert.equal(unsent(claimed()).dueAt, null);
  });

  it('a template that failed fails the delivery at once, saying why, with no secret shown', () => {
    const c = templateFailed(claimed(), webhook, 5, 'unknown filter');
    assert.equal(c.status, 'failed');
    assert.equal(c.attempt?.errorKind, 'template');
    assert.equal(c.attempt?.errorMessage, 'unknown filter');
    assert.doesNotMatch(JSON.stringify(c.attempt?.request.headers), /s3cret/);
  });

  it('a success ends the delivery; its attempt keeps the request, redacted', () => {
    const { completion, gone } = answered(claimed(), webhook, request, reply(204), 99_000, policy);
    assert.equal(gone, false);
    assert.equal(completion.status, 'succeeded');
    assert.equal(completion.attempt?.succeeded, true);
    assert.equal(completion.attempt?.durationMs, 7);
    assert.doesNotMatch(JSON.stringify(completion.attempt?.request.headers), /s3cret/);
  });

  it('a failure is retried on the schedule, Retry-After pushes it back, the schedule\'s end fails it', () => {
    const first = answered(claimed(0), webhook, request, reply(500), 99_000, policy).completion;
    assert.equal(first.status, 'pending');
    assert.ok(first.dueAt! >= 100_000 + 900 && first.dueAt! <= 100_000 + 1_100, `due after the second step (${first.dueAt})`);
    const later = answered(claimed(0), webhook, request, reply(503, { 'retry-after': '60' }), 99_000, policy).completion;
    assert.ok(later.dueAt! >= 100_000 + 60_000, 'Retry-After: 60 s');
    assert.equal(answered(claimed(2), webhook, request, reply(500), 99_000, policy).completion.status, 'failed');
  });

  it('410 Gone fails the delivery at once and says the webhook goes', () => {
    const { completion, gone } = answered(claimed(0), webhook, request, reply(410), 99_000, policy);
    assert.deepEqual([completion.status, gone], ['failed', true]);
  });

  it('a broker URL\'s password is in no attempt record, nor in an error that quotes the URL', () => {
    const url = 'amqp://relais:br0ker-pw@rabbit.example:5672/prod?exchange=events&routing_key=orders';
    const shown = 'amqp://relais:[redacted]@rabbit.example:5672/prod?exchange=events&routing_key=orders';
    const broker = { ...webhook, url };
    const failed: SendOutcome = { response: null, durationMs: 3, error: { kind: 'connection', message: `could not connect to ${url}: ECONNREFUSED` } } as unknown as SendOutcome;
    const { completion } = answered(claimed(), broker, { ...request, url }, failed, 99_000, policy);
    assert.equal(completion.attempt?.request.url, shown);
    assert.equal(completion.attempt?.errorMessage, `could not connect to ${shown}: ECONNREFUSED`);
    assert.doesNotMatch(JSON.stringify(completion.attempt), /br0ker-pw/);
    assert.equal(templateFailed(claimed(), broker, 5, 'unknown filter').attempt?.request.url, shown);
  });
});

// Recovering a webhook's window of events (POST …/webhooks/:webhook/recover): a new delivery of
// each event the webhook failed, and with `missing`, of each matching event it never had (it was
// disabled by hand then, or created later), as Svix's recover and replay-missing do. Ingest's own
// matcher decides what matches. The window is walked in pages by the time Relais received each
// event, each page one short transaction, and one call walks at most RECOVER_MAX_EVENTS events:
// the answer's `nextSince` says where the next call goes on.
import { errors } from '../core/errors.ts';
import type { Json, RelaisEvent, Webhook } from '../core/model.ts';
import { RECOVER_MAX_EVENTS } from '../core/recovery.ts';
import { typeMatches } from '../core/matching.ts';
import { newId } from '../ids.ts';
import type { NewEvent, ReceivedEvent, ReceivedWindow, Requeue } from '../store/store.ts';
import type { ServiceDeps } from './deps.ts';
import type { EventService } from './events.ts';

const PAGE = 500;
/** Events whose data is read at once to match them. */
const MATCH_CHUNK = 100;

export interface RecoverRequest {
  since: number;
  /** Default: now. */
  until?: number | undefined;
  /** Also queue the matching events the webhook never had a delivery of. */
  missing: boolean;
}

export interface Recovered {
  resent: number;
  created: number;
  until: number;
  /** Where the window was cut: call again from here (same `until`); null when it was walked to its end. */
  nextSince: number | null;
}

const asNewEvent = (e: RelaisEvent): NewEvent => ({
  id: e.id, idempotencyKey: e.idempotencyKey, type: e.type, occurredAt: e.occurredAt, data: JSON.parse(e.dataJson) as Json,
  actor: e.actor, resource: e.resource, previous: e.previous, changes: e.changes,
});

/** Relais never tells a webhook of its own disabling (events.emitSystem leaves it out): nor does recovery. */
const aboutItsOwnDisabling = (e: ReceivedEvent, webhookId: string): boolean => e.type === 'webhook.disabled' && e.resource?.id === webhookId;

export function recoveryService(deps: ServiceDeps, events: EventService) {
  const { store, now, wake } = deps;

  function checkWindow(request: RecoverRequest, until: number, at: number): void {
    if (until > at) throw errors.validation([{ field: 'until', message: 'must not be in the future' }]);
    if (request.since < until) return;
    throw errors.validation([request.until === undefined ? { field: 'since', message: 'must be in the past' } : { field: 'until', message: 'must be after since' }]);
  }

  /** Of a page's events the webhook never had, those it would have got: its types, filters and condition. */
  async function matching(tenantId: string, webhook: Webhook, page: readonly ReceivedEvent[]): Promise<Set<string>> {
    const candidates = page.filter((e) => webhook.events.some((p) => typeMatches(p, e.type)) && !aboutItsOwnDisabling(e, webhook.id));
    const match = events.matcher(tenantId);
    const matched = new Set<string>();
    for (let i = 0; i < candidates.length; i += MATCH_CHUNK) {
      const full = await store.events.getMany(tenantId, candidates.slice(i, i + MATCH_CHUNK).map((e) => e.id));
      for (const e of full) if (match([webhook], asNewEvent(e)).length > 0) matched.add(e.id);
    }
    return matched;
  }

  /** Queues what one page needs; returns the counts. */
  async function recoverPage(tenantId: string, webhook: Webhook, page: readonly ReceivedEvent[], missing: boolean): Promise<{ resent: number; created: number }> {
    const found = await store.webhooks.recoverable(tenantId, webhook.id, page.map((e) => e.id));
    const failed = new Set(found.failed);
    const never = new Set(found.missing);
    const missed = missing && never.size > 0 ? await matching(tenantId, webhook, page.filter((e) => never.has(e.id))) : new Set<string>();
    const wanted = page.filter((e) => failed.has(e.id) || missed.has(e.id))
      .map((e): Requeue => ({ eventId: e.id, eventType: e.type, kind: failed.has(e.id) ? 'failed' : 'missing' }));
    if (wanted.length === 0) return { resent: 0, created: 0 };
    const queued = await store.webhooks.requeue(tenantId, webhook.id, wanted, () => newId('dlv'), now());
    if (!queued) throw errors.notFound('webhook', webhook.id);
    if (queued.resent + queued.created > 0) wake();
    return queued;
  }

  return {
    async recover(tenantId: string, webhookId: string, request: RecoverRequest): Promise<Recovered> {
      const at = now();
      const until = request.until ?? at;
      checkWindow(request, until, at);
      const webhook = await store.webhooks.get(tenantId, webhookId);
      if (!webhook) throw errors.notFound('webhook', webhookId);

      const total = { resent: 0, created: 0 };
      let window: ReceivedWindow = { since: request.since, until };
      let walked = 0;
      let cut = false;
      for (;;) {
        const page = await store.events.received(tenantId, window, PAGE);
        if (page.length === 0) break;
        const done = await recoverPage(tenantId, webhook, page, request.missing);
        total.resent += done.resent;
        total.created += done.created;
        walked += page.length;
        const last = page.at(-1)!;
        window = { ...window, after: { receivedAt: last.receivedAt, id: last.id } };
        if (walked >= RECOVER_MAX_EVENTS && !cut) {
          // Enough for one call: finish this millisecond (the next call starts at the next one), then stop.
          cut = true;
          window = { ...window, until: Math.min(until, last.receivedAt + 1) };
        }
      }
      const [next] = cut ? await store.events.received(tenantId, { since: window.until, until }, 1) : [];
      return { ...total, until, nextSince: next?.receivedAt ?? null };
    },
  };
}
export type RecoveryService = ReturnType<typeof recoveryService>;

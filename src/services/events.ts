// Ingest: check each event against the catalog, then store it with its deliveries in one
// transaction and nudge the dispatcher. Matching itself is the pure core's.
import { errors, type FieldError } from '../core/errors.ts';
import { conditionContext, evaluateCondition } from '../core/conditions.ts';
import { subscriptionMatches } from '../core/matching.ts';
import type { Json } from '../core/model.ts';
import { isSystemEventType } from '../core/system-events.ts';
import { newId } from '../ids.ts';
import { validateData } from './schema-validator.ts';
import type { EventIn } from '../schemas/events.ts';
import type { ClaimedDelivery, IngestResult, Matcher, NewEvent } from '../store/store.ts';
import type { ServiceDeps } from './deps.ts';
import type { EventTypeService } from './event-types.ts';
import { groupCommit } from '../group-commit.ts';

const newDeliveryId = (): string => newId('dlv');

export function eventService(deps: ServiceDeps, eventTypes: EventTypeService) {
  const { store, now, wake, log, handoff, config } = deps;

  /** Type patterns and filters, then the webhook's condition; a condition that errors skips it. */
  function matcher(tenantId: string): Matcher {
    return (webhooks, event) => {
      // Built once per event, and only if some matching webhook has a condition (it diffs `previous`).
      let context: Record<string, unknown> | undefined;
      return webhooks.filter((w) => {
        if (!subscriptionMatches(w, event.type, event.data)) return false;
        if (w.condition === null) return true;
        context ??= conditionContext({ ...event, tenantId }, event.data);
        const result = evaluateCondition(w.condition, context);
        if (!result.ok) {
          log.warn({ tenant: tenantId, webhook: w.id, event: event.id, type: event.type, condition: w.condition, reason: result.error },
            'condition failed on this event: no delivery made for this webhook');
          return false;
        }
        return result.matches;
      });
    };
  }

  async function check(inputs: readonly EventIn[], fieldPrefix: (i: number) => string): Promise<void> {
    const problems: FieldError[] = [];
    for (const [i, input] of inputs.entries()) {
      if (isSystemEventType(input.type)) {
        problems.push({ field: `${fieldPrefix(i)}type`, message: 'webhook.* events are emitted by Relais itself' });
      } else {
        const type = await eventTypes.find(input.type);
        if (!type) {
          problems.push({ field: `${fieldPrefix(i)}type`, message: `unknown event type "${input.type}": register it with POST /v1/event-types` });
        } else if (type.schema !== null && typeof type.schema === 'object') {
          problems.push(...validateData(type.name, type.updatedAt, type.schema, input.data, `${fieldPrefix(i)}data`));
        }
      }
    }
    if (problems.length) throw errors.validation(problems);
  }

  function toNewEvent(input: EventIn, receivedAt: number): NewEvent {
    return {
      id: newId('evt'),
      idempotencyKey: input.id ?? null,
      type: input.type,
      occurredAt: input.occurred_at ? Date.parse(input.occurred_at) : receivedAt,
      data: input.data as Json,
      actor: input.actor ?? null,
      resource: input.resource ?? null,
      previous: (input.previous ?? null) as Json | null,
      changes: (input.changes ?? null) as Json | null,
    };
  }

  // Concurrent ingests share transactions (group commit): one per tenant per batch. Each call
  // still gets exactly its own events' results, and is answered only once they are stored.
  const writer = groupCommit<{ tenantId: string; events: NewEvent[] }, IngestResult[]>(async (calls) => {
    const byTenant = new Map<string, NewEvent[]>();
    for (const c of calls) byTenant.set(c.tenantId, [...(byTenant.get(c.tenantId) ?? []), ...c.events]);
    const stored = new Map<string, IngestResult[]>();
    let queued = 0; // deliveries left for the dispatcher to claim
    for (const [tenantId, events] of byTenant) {
      const { results, leased } = await storeLeasing(tenantId, events);
      stored.set(tenantId, results);
      queued += results.reduce((n, r) => n + (r.created ? r.event.deliveriesCount : 0), 0) - leased.length;
    }
    if (queued > 0) wake();
    return calls.map((c) => stored.get(c.tenantId)!.splice(0, c.events.length));
  });

  /** Stores the events; the deliveries this process's dispatcher has room for go to it at once, already leased. */
  async function storeLeasing(tenantId: string, events: NewEvent[]): Promise<{ results: IngestResult[]; leased: ClaimedDelivery[] }> {
    const at = now();
    if (!handoff) return { results: await store.events.ingest(tenantId, events, matcher(tenantId), newDeliveryId, at), leased: [] };
    let taken = 0;
    const lease = { leaseId: newId('att'), until: at + config.leaseMs, take: (n: number) => (taken = handoff.take(n)) };
    try {
      const stored = await store.events.ingestLeasing(tenantId, events, matcher(tenantId), newDeliveryId, at, lease);
      handoff.giveBack(taken - stored.leased.length);
      if (stored.leased.length) handoff.deliver(stored.leased);
      return stored;
    } catch (err) {
      handoff.giveBack(taken); // nothing was stored: the slots are the dispatcher's again
      throw err;
    }
  }

  async function ingest(tenantId: string, inputs: readonly EventIn[], fieldPrefix: (i: number) => string): Promise<IngestResult[]> {
    await check(inputs, fieldPrefix);
    const receivedAt = now();
    return writer.submit({ tenantId, events: inputs.map((i) => toNewEvent(i, receivedAt)) });
  }

  return {
    /**
     * Emits one of Relais' own `webhook.*` events to the tenant's subscribed webhooks, except
     * `exclude` (the webhook being disabled never hears of it).
     */
    async emitSystem(tenantId: string, type: string, data: Json, exclude?: string): Promise<void> {
      const at = now();
      const [result] = await store.events.ingest(tenantId, [{
        id: newId('evt'), idempotencyKey: null, type, occurredAt: at, data, actor: null, resource: { type: 'webhook', id: (data as { id: string }).id }, previous: null, changes: null,
      }], (webhooks, event) => matcher(tenantId)(webhooks.filter((w) => w.id !== exclude), event), newDeliveryId, at);
      if (result && result.event.deliveriesCount > 0) wake();
    },

    async send(tenantId: string, input: EventIn): Promise<IngestResult> {
      const [result] = await ingest(tenantId, [input], () => '');
      return result!;
    },
    sendBatch: (tenantId: string, inputs: readonly EventIn[]): Promise<IngestResult[]> =>
      ingest(tenantId, inputs, (i) => `events[${i}].`),
  };
}
export type EventService = ReturnType<typeof eventService>;

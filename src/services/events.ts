// Ingest: check each event against the catalog, then store it with its deliveries in one
// transaction and nudge the dispatcher. Matching itself is the pure core's.
import { errors, type FieldError } from '../core/errors.ts';
import { conditionContext, evaluateCondition } from '../core/conditions.ts';
import { subscriptionMatches } from '../core/matching.ts';
import type { ExactEventJson } from '../core/exact-numbers.ts';
import type { Json } from '../core/model.ts';
import { isSystemEventType } from '../core/system-events.ts';
import { newId } from '../ids.ts';
import { refuseConflictingDuplicates, refuseReusedIds } from './idempotency.ts';
import { validateData } from './schema-validator.ts';
import type { EventIn } from '../schemas/events.ts';
import type { ClaimedDelivery, IngestResult, Matcher, NewEvent } from '../store/store.ts';
import type { ServiceDeps } from './deps.ts';
import type { EventTypeService } from './event-types.ts';
import { groupCommit, writeApart, type ItemOutcome } from '../group-commit.ts';
import { eventProblems } from '../store/row-limits.ts';
import { mayBeItemFault } from '../store/faults.ts';

interface IngestCall { tenantId: string; events: NewEvent[] }

const newDeliveryId = (): string => newId('dlv');

export function eventService(deps: ServiceDeps, eventTypes: EventTypeService) {
  const { store, now, wake, log, leasing, config } = deps;

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

  /** `exact`: its JSON with the producer's numbers, when JSON.stringify would write some otherwise. */
  function toNewEvent(input: EventIn, receivedAt: number, exact: ExactEventJson | undefined): NewEvent {
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
      orderingKey: input.ordering_key ?? null,
      dataJson: exact?.data,
      previousJson: exact?.previous,
      changesJson: exact?.changes,
    };
  }

  // Concurrent ingests share a write (group commit): one transaction per tenant per batch. Each
  // call is answered with its own events' results once they are stored, or with its own error:
  // a tenant's transaction that fails is retried apart, down to the call that broke it, and no
  // other tenant's call hears of it (theirs are committed: an error would make them send again).
  const writer = groupCommit<IngestCall, IngestResult[]>(async (calls) => {
    const byTenant = new Map<string, IngestCall[]>();
    for (const c of calls) {
      const mine = byTenant.get(c.tenantId);
      if (mine) mine.push(c);
      else byTenant.set(c.tenantId, [c]);
    }
    const answers = new Map<IngestCall, ItemOutcome<IngestResult[]>>();
    let queued = 0; // deliveries left for the dispatcher to claim
    let untold = false; // some of them the store did not tell other processes of
    const queuedFor: string[] = []; // the tenants whose deliveries those are
    for (const [tenantId, tenantCalls] of byTenant) {
      const outcomes = await writeApart(tenantCalls, async (part) => {
        const { results, leased, othersWoken } = await storeLeasing(tenantId, part.flatMap((c) => c.events));
        const left = results.reduce((n, r) => n + (r.created ? r.event.deliveriesCount : 0), 0) - leased.length;
        queued += left;
        if (left > 0) queuedFor.push(tenantId);
        if (left > 0 && !othersWoken) untold = true;
        return part.map((c) => results.splice(0, c.events.length));
      }, mayBeItemFault);
      tenantCalls.forEach((c, i) => answers.set(c, outcomes[i]!));
    }
    if (queued > 0) wake(!untold, queuedFor);
    return calls.map((c) => answers.get(c)!);
  });

  /** Refuses, before it joins a shared write, an event with a value the store cannot hold (row-limits.ts). */
  function refuseUnstorable(events: readonly NewEvent[], fieldPrefix: (i: number) => string): void {
    const problems = events.flatMap((e, i) => eventProblems(e).map((p) => ({ field: `${fieldPrefix(i)}${p.field}`, message: p.message })));
    if (problems.length) throw errors.validation(problems);
  }

  /** Stores the events; the deliveries this process's dispatcher has room for go to it at once, already leased. */
  async function storeLeasing(tenantId: string, events: NewEvent[]): Promise<{ results: IngestResult[]; leased: ClaimedDelivery[]; othersWoken: boolean }> {
    const at = now();
    if (!leasing) return store.events.ingestLeasing(tenantId, events, matcher(tenantId), newDeliveryId, at);
    const slots = leasing.reserve();
    const lease = { leaseId: newId('lse'), until: at + config.leaseMs, take: slots.take };
    try {
      const stored = await store.events.ingestLeasing(tenantId, events, matcher(tenantId), newDeliveryId, at, lease);
      slots.settle(stored.leased);
      return stored;
    } catch (err) {
      slots.settle(); // nothing was stored: the slots are the dispatcher's again
      throw err;
    }
  }

  async function ingest(tenantId: string, inputs: readonly EventIn[], fieldPrefix: (i: number) => string,
    exact: readonly (ExactEventJson | undefined)[] | undefined): Promise<IngestResult[]> {
    await check(inputs, fieldPrefix);
    const receivedAt = now();
    const events = inputs.map((input, i) => toNewEvent(input, receivedAt, exact?.[i]));
    refuseUnstorable(events, fieldPrefix); // before any query: an id with a NUL fails even a SELECT on PostgreSQL
    if (inputs.length > 1) await refuseReusedIds(store, tenantId, inputs, fieldPrefix);
    const results = await writer.submit({ tenantId, events });
    refuseConflictingDuplicates(results, inputs, fieldPrefix);
    return results;
  }

  return {
    /** The matcher ingest uses (recovery matches missed events with it too). */
    matcher,

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

    /** `exact`: the event's JSON with the producer's numbers (core/exact-numbers.ts), when some would change. */
    async send(tenantId: string, input: EventIn, exact?: ExactEventJson): Promise<IngestResult> {
      const [result] = await ingest(tenantId, [input], () => '', exact && [exact]);
      return result!;
    },
    sendBatch: (tenantId: string, inputs: readonly EventIn[], exact?: readonly ExactEventJson[]): Promise<IngestResult[]> =>
      ingest(tenantId, inputs, (i) => `events[${i}].`, exact),
  };
}
export type EventService = ReturnType<typeof eventService>;

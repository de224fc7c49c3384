// Sending events. Each carries an idempotency id (`id`): the caller's, or one generated here, so
// that a retried request never stores an event twice — Relais answers `duplicate: true` for an id
// it has seen (with the same type and data; other data under a seen id is a 409).
import { randomUUID } from 'node:crypto';
import { unwrap, type Context } from '../call.js';
import type { EventAccepted, EventIn } from '../types.js';

/** What Relais accepted, with the idempotency id the event was sent with (to send it again safely). */
export type SentEvent = EventAccepted & { idempotency_id: string };

/** An idempotency id for an event that has none. */
export function newIdempotencyId(): string {
  return `sdk_${randomUUID()}`;
}

function withId(event: EventIn): EventIn & { id: string } {
  return event.id === undefined ? { ...event, id: newIdempotencyId() } : (event as EventIn & { id: string });
}

export class Events {
  constructor(private readonly ctx: Context) {}

  /**
   * Stores the event with one delivery per matching webhook, atomically; retried safely (it has an
   * id). `dataJson`: the data as JSON text, sent as written instead of `event.data` re-serialised,
   * so a number beyond JavaScript's precision reaches Relais (which keeps it) exactly.
   */
  async send(tenant: string, event: EventIn, options: { dataJson?: string } = {}): Promise<SentEvent> {
    const body = withId(event);
    const { dataJson } = options;
    const bodySerializer = dataJson === undefined ? undefined : (b: EventIn) => `${JSON.stringify({ ...b, data: undefined }).slice(0, -1)},"data":${dataJson.trim()}}`;
    const accepted = await unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/events', { params: { path: { tenant } }, body, fetch: this.ctx.transport.fetchIdempotent, ...(bodySerializer && { bodySerializer }) }));
    return { ...accepted, idempotency_id: body.id };
  }

  /** Up to 1,000 events in one transaction: all stored, or none (a 422 names `events[i]…`). Answers in the same order. */
  async sendBatch(tenant: string, events: readonly EventIn[]): Promise<SentEvent[]> {
    const body = { events: events.map(withId) };
    const accepted = await unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/events/batch', { params: { path: { tenant } }, body, fetch: this.ctx.transport.fetchIdempotent }));
    return accepted.events.map((a, i) => ({ ...a, idempotency_id: body.events[i]!.id }));
  }
}

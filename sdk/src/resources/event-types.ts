// The event catalog: every event sent must be of a type in it.
import { unwrap, unwrapWithStatus, type Context } from '../call.js';
import type { EventType, EventTypeIn } from '../types.js';

export interface Imported {
  /** Names added to the catalog. */
  created: string[];
  /** Names that were there, now replaced. */
  updated: string[];
}

export class EventTypes {
  constructor(private readonly ctx: Context) {}

  /** Admin: creates or replaces the type of that name (safe to retry). */
  async upsert(input: EventTypeIn): Promise<EventType & { created: boolean }> {
    const { data, status } = await unwrapWithStatus('POST', this.ctx.api.POST('/v1/event-types', { body: input, fetch: this.ctx.transport.fetchIdempotent }));
    return { ...data, created: status === 201 };
  }

  /** Admin: upserts each type in turn, stopping at the first refused (its RelaisApiError is thrown). */
  async importMany(inputs: Iterable<EventTypeIn> | AsyncIterable<EventTypeIn>): Promise<Imported> {
    const done: Imported = { created: [], updated: [] };
    for await (const input of inputs) {
      const { created, name } = await this.upsert(input);
      (created ? done.created : done.updated).push(name);
    }
    return done;
  }

  /** The catalog, Relais' own webhook.* types included. */
  async list(): Promise<EventType[]> {
    return (await unwrap('GET', this.ctx.api.GET('/v1/event-types'))).data;
  }

  get(name: string): Promise<EventType> {
    return unwrap('GET', this.ctx.api.GET('/v1/event-types/{name}', { params: { path: { name } } }));
  }
}

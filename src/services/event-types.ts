// The product's event catalog, plus Relais' own webhook.* types. Ingest looks types up on every
// event, so the catalog is cached; a name the cache lacks is re-read before it is refused, so a
// type created by another process is found at once.
import { errors } from '../core/errors.ts';
import type { EventType } from '../core/model.ts';
import { schemaProblems, validateOnce } from './schema-validator.ts';
import { SYSTEM_EVENT_TYPES } from '../core/system-events.ts';
import type { EventTypeIn } from '../schemas/event-types.ts';
import type { ServiceDeps } from './deps.ts';

const CACHE_TTL_MS = 5_000;

export function eventTypeService({ store, now }: ServiceDeps) {
  let cache: { byName: Map<string, EventType>; loadedAt: number } | undefined;

  async function load(): Promise<Map<string, EventType>> {
    const byName = new Map<string, EventType>(SYSTEM_EVENT_TYPES.map((t) => [t.name, t]));
    for (const t of await store.eventTypes.list()) byName.set(t.name, t);
    cache = { byName, loadedAt: now() };
    return byName;
  }

  async function catalog(): Promise<Map<string, EventType>> {
    return cache && now() - cache.loadedAt < CACHE_TTL_MS ? cache.byName : load();
  }

  return {
    async upsert(input: EventTypeIn): Promise<{ eventType: EventType; created: boolean }> {
      if (input.schema !== undefined) {
        const problems = schemaProblems(input.schema);
        if (problems.length) throw errors.validation(problems);
        if (input.example !== undefined) {
          const broken = validateOnce(input.schema, input.example, 'example');
          if (broken.length) throw errors.validation(broken, 'the example does not match the schema');
        }
      }
      const result = await store.eventTypes.upsert({
        name: input.name,
        description: input.description ?? null,
        schema: (input.schema ?? null) as EventType['schema'],
        example: (input.example ?? null) as EventType['example'],
        filters: input.filters ?? [],
      }, now());
      cache = undefined;
      return result;
    },

    async list(): Promise<EventType[]> {
      return [...(await load()).values()].sort((a, b) => a.name.localeCompare(b.name));
    },

    /** The known type of that name, re-reading the catalog once before answering no. */
    async find(name: string): Promise<EventType | undefined> {
      return (await catalog()).get(name) ?? (await load()).get(name);
    },

    async all(): Promise<EventType[]> {
      return [...(await catalog()).values()];
    },
  };
}
export type EventTypeService = ReturnType<typeof eventTypeService>;

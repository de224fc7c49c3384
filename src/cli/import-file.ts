// What `relais import` reads, and every check made before anything is written: the shape of
// each entry with the API's own schemas, then a dry run of the services' own checks (catalog,
// secrets, templates, conditions, filters) against a view of the store in which the file's event
// types already exist. So an invalid entry anywhere means nothing is written.
import type { z } from 'zod';
import { RelaisError, type FieldError } from '../core/errors.ts';
import { jsonProblem } from '../core/json-limits.ts';
import type { EventType } from '../core/model.ts';
import { TenantId } from '../schemas/common.ts';
import { EventTypeIn } from '../schemas/event-types.ts';
import { TenantIn } from '../schemas/tenants.ts';
import { WebhookIn } from '../schemas/webhooks.ts';
import type { Services } from '../services/index.ts';
import type { Store } from '../store/store.ts';

/** A webhook of the file: the API's WebhookIn, under the id of the tenant it belongs to. */
export const ImportedWebhook = WebhookIn.extend({ tenant: TenantId });
export type ImportedWebhook = z.infer<typeof ImportedWebhook>;

/** An entry and where it is in the file (`webhooks[2]`), to name it in messages. */
export interface Entry<T> {
  at: string;
  entry: T;
}

export interface ImportFile {
  eventTypes: Entry<EventTypeIn>[];
  tenants: Entry<TenantIn & { id: string }>[];
  webhooks: Entry<ImportedWebhook & { id: string }>[];
}

const SECTIONS = ['event_types', 'tenants', 'webhooks'] as const;
type Section = (typeof SECTIONS)[number];
const ENTRY_SCHEMAS = { event_types: EventTypeIn, tenants: TenantIn, webhooks: ImportedWebhook } as const;
/** Without an id an entry would be created again by every import: the file must name each one. */
const ID_NEEDED = 'required in an import, so that importing the file again finds it instead of making another';

/** `webhooks[2].headers.X-Api-Key`, from an entry's prefix and a zod issue's path. */
function fieldName(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${String(key)}`), prefix);
}

/** The file's entries, each checked with the API's schema; the problems name entry and field. */
export function parseImportFile(value: unknown): { file: ImportFile; problems: FieldError[] } {
  const file: ImportFile = { eventTypes: [], tenants: [], webhooks: [] };
  const limit = jsonProblem(value); // as every API body (api/input-limits.ts)
  if (limit) return { file, problems: [limit] };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { file, problems: [{ field: 'file', message: 'a JSON object with event_types, tenants and webhooks, each a list' }] };
  }
  const problems: FieldError[] = [];
  for (const key of Object.keys(value)) {
    if (!(SECTIONS as readonly string[]).includes(key)) problems.push({ field: key, message: `not a section of an import file (${SECTIONS.join(', ')})` });
  }
  const entries = (section: Section): unknown[] => {
    const list = (value as Record<string, unknown>)[section];
    if (list === undefined) return [];
    if (Array.isArray(list)) return list;
    problems.push({ field: section, message: 'a list' });
    return [];
  };
  for (const section of SECTIONS) {
    for (const [i, entry] of entries(section).entries()) {
      const parsed = ENTRY_SCHEMAS[section].safeParse(entry);
      if (!parsed.success) {
        problems.push(...parsed.error.issues.map((issue) => ({ field: fieldName(`${section}[${i}]`, issue.path), message: issue.message })));
        continue;
      }
      const at = `${section}[${i}]`;
      const data = parsed.data;
      if (section !== 'event_types' && !('id' in data && data.id !== undefined)) problems.push({ field: `${at}.id`, message: ID_NEEDED });
      else if (section === 'event_types') file.eventTypes.push({ at, entry: data as EventTypeIn });
      else if (section === 'tenants') file.tenants.push({ at, entry: data as ImportFile['tenants'][number]['entry'] });
      else file.webhooks.push({ at, entry: data as ImportFile['webhooks'][number]['entry'] });
    }
  }
  problems.push(...duplicates(file.eventTypes, (t) => t.name, 'name'));
  problems.push(...duplicates(file.tenants, (t) => t.id, 'id'));
  problems.push(...duplicates(file.webhooks, (w) => w.id, 'id')); // unique across tenants, as the store keeps them
  return { file, problems };
}

function duplicates<T>(entries: Entry<T>[], key: (entry: T) => string, field: string): FieldError[] {
  const seen = new Set<string>();
  return entries.flatMap(({ at, entry }) => {
    const k = key(entry);
    if (!seen.has(k)) return (seen.add(k), []);
    return [{ field: `${at}.${field}`, message: `"${k}" appears twice in the file` }];
  });
}

/**
 * The store as it will be once the file's event types are registered, for the dry run: the
 * catalog's writes go to memory, every other call to the real store (the dry run only reads).
 * The file's types are there from the start, so that a webhook is not blamed for the fault of a
 * type it names.
 */
export function withImportedCatalog(store: Store, types: readonly EventTypeIn[], nowMs: number): Store {
  const added = new Map<string, EventType>(types.map((t) => [t.name, {
    name: t.name, description: t.description ?? null, schema: (t.schema ?? null) as EventType['schema'],
    example: (t.example ?? null) as EventType['example'], filters: t.filters ?? [], createdAt: nowMs, updatedAt: nowMs,
  }]));
  const eventTypes: Store['eventTypes'] = {
    async upsert(t, now) {
      const eventType: EventType = { ...t, createdAt: now, updatedAt: now };
      added.set(t.name, eventType);
      return { eventType, created: !(await store.eventTypes.get(t.name)) };
    },
    get: async (name) => added.get(name) ?? store.eventTypes.get(name),
    async list() {
      const byName = new Map((await store.eventTypes.list()).map((t) => [t.name, t]));
      for (const t of added.values()) byName.set(t.name, t);
      return [...byName.values()];
    },
  };
  return { ...store, eventTypes };
}

/** Problems in the order of the file: by section, then entry (a sort is stable: an entry's stay in order). */
export function inFileOrder(problems: FieldError[]): FieldError[] {
  const place = (field: string): [number, number] => {
    const m = /^(\w+)\[(\d+)\]/.exec(field);
    const section = SECTIONS.indexOf((m?.[1] ?? '') as Section);
    return [section, m ? Number(m[2]) : -1];
  };
  return [...problems].sort((a, b) => {
    const [sa, ia] = place(a.field);
    const [sb, ib] = place(b.field);
    return sa - sb || ia - ib;
  });
}

/** The services' problems with an entry, named under its place in the file; other errors are thrown. */
async function problemsOf(prefix: string, check: () => Promise<unknown>): Promise<FieldError[]> {
  try {
    await check();
    return [];
  } catch (err) {
    if (!(err instanceof RelaisError)) throw err;
    const errs = err.errors.length ? err.errors : [{ field: '', message: err.message }];
    // draft() names its secret `webhook.secret`, as the preview route's body nests it.
    return errs.map((e) => ({ field: [prefix, e.field.replace(/^webhook\./, '')].filter(Boolean).join('.'), message: e.message }));
  }
}

/** Runs the checks a save would make, writing nothing: `dry` are services over withImportedCatalog(store). */
export async function checkImport(file: ImportFile, dry: Services): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  for (const { at, entry } of file.eventTypes) problems.push(...(await problemsOf(at, () => dry.eventTypes.upsert(entry))));
  const fileTenants = new Set(file.tenants.map((t) => t.entry.id));
  for (const { at, entry } of file.webhooks) {
    if (!fileTenants.has(entry.tenant)) problems.push(...(await problemsOf(`${at}.tenant`, () => dry.tenants.mustExist(entry.tenant))));
    problems.push(...(await problemsOf(at, () => dry.webhooks.draft(webhookInput(entry)))));
  }
  return problems;
}

/** The API's WebhookIn of an imported webhook. */
export function webhookInput(w: ImportedWebhook): WebhookIn {
  const { tenant: _tenant, ...input } = w;
  return input;
}

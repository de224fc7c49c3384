// Relais' own event types, emitted about a tenant's webhooks and always in the catalog.
import type { EventType } from './model.ts';

export const SYSTEM_EVENT_TYPES: readonly EventType[] = [
  ['webhook.created', 'A webhook was created'],
  ['webhook.updated', 'A webhook was changed'],
  ['webhook.deleted', 'A webhook was deleted'],
  ['webhook.disabled', 'A webhook was disabled after failing repeatedly'],
].map(([name, description]) => ({
  name: name!,
  description: description!,
  schema: null,
  example: { id: 'wh_01JAB3EXAMPLE', url: 'https://example.com/hooks', events: ['*'], enabled: true },
  filters: [],
  createdAt: 0,
  updatedAt: 0,
}));

export const isSystemEventType = (name: string): boolean => name.startsWith('webhook.');

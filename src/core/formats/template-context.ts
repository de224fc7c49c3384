// What a tenant's template sees: the event, with `doc` as an alias of its data, as Frappe
// (seed 002) names the document in its webhook templates.
import { companyId } from './envelopes.ts';
import type { RelaisEvent } from '../model.ts';

/** `data`: the event's data already parsed (body.ts parses it exactly for the frappe dialect). */
export function templateContext(event: RelaisEvent, data: unknown = JSON.parse(event.dataJson)): Record<string, unknown> {
  return {
    event: {
      id: event.id, type: event.type, occurred_at: new Date(event.occurredAt).toISOString(),
      actor: event.actor, resource: event.resource, previous: event.previous, changes: event.changes,
    },
    type: event.type,
    data,
    doc: data,
    previous: event.previous,
    changes: event.changes,
    actor: event.actor,
    tenant: { id: event.tenantId, company_id: companyId(event.tenantId) },
  };
}

export const isJsonContentType = (type: string): boolean => /^application\/([\w.+-]+\+)?json\b/i.test(type);

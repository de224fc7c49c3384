// The JSON envelopes of the seed products, built by splicing the event's data text (serialised
// once at ingest) into the envelope rather than re-serialising it per delivery.
import { diff } from '../changes.ts';
import { parseExact } from '../exact-numbers.ts';
import type { RelaisEvent } from '../model.ts';

export interface RenderedBody {
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json';
const j = (value: unknown): string => JSON.stringify(value ?? null);

/** A tenant id that is a plain integer is sent as a number, as seed 001's `company_id: 60`. */
export function companyId(tenantId: string): number | string {
  return /^(0|[1-9]\d{0,14})$/.test(tenantId) ? Number(tenantId) : tenantId;
}

/** `standard` (Standard Webhooks): `{type, timestamp, data}`. */
export function standard(event: RelaisEvent): RenderedBody {
  return { contentType: JSON_TYPE, body: `{"type":${j(event.type)},"timestamp":${j(new Date(event.occurredAt).toISOString())},"data":${event.dataJson}}` };
}

/** `simple` (seed 001, Flatchr): `{data, event, company_id}`, in the order Flatchr's documentation writes it. */
export function simple(event: RelaisEvent): RenderedBody {
  return { contentType: JSON_TYPE, body: `{"data":${event.dataJson},"event":${j(event.type)},"company_id":${j(companyId(event.tenantId))}}` };
}

/**
 * `changes` from `previous` and the data, numbers as the producer wrote them: both states are
 * parsed again together only when one holds a number JSON.parse would alter, and two such numbers
 * are the same when their texts are (1000.0 to 1000.0 is no change, …890 to …891 is one).
 */
function computedChanges(event: RelaisEvent): string {
  if (event.previousJson === null) return '{}';
  const exact = parseExact(`[${event.previousJson},${event.dataJson}]`);
  if (!exact) return j(diff(event.previous, JSON.parse(event.dataJson)));
  const [previous, current] = exact.value as [unknown, unknown];
  const sameText = (a: unknown, b: unknown): boolean => typeof a === 'string' && typeof b === 'string' && exact.json(a) === exact.json(b);
  return exact.json(diff(previous, current, sameText));
}

/** `2022-03-29 07:50:42`, in UTC, as seed 003 writes times. */
const auditTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * `audit` (seed 003, HireHop): who did it, the tenant, the export key, the event, its data and
 * `changes` as `{field: {from, to}}` — the producer's own (spliced in as stored, its numbers as
 * written), or computed from `previous`.
 */
export function audit(event: RelaisEvent, exportKey: string | null): RenderedBody {
  const changes = event.changesJson ?? computedChanges(event);
  const a = event.actor;
  return {
    contentType: JSON_TYPE,
    body: `{"time":${j(auditTime(event.occurredAt))},"user_id":${j(a?.id)},"user_name":${j(a?.name)},"user_email":${j(a?.email)},`
      + `"company_id":${j(companyId(event.tenantId))},"export_key":${j(exportKey)},"event":${j(event.type)},`
      + `"data":${event.dataJson},"changes":${changes}}`,
  };
}

/**
 * `resource` (seed 004, Creads): `{event: "resource.<action>", resource_type, resource_gid,
 * resource}`. The action is the type's last segment (`project.created` → `resource.created`),
 * `updated` unless it is `created` or `deleted`;
 * the resource is the event's `resource` reference (or the type's first segment and data's id),
 * and is left out on delete.
 */
export function resource(event: RelaisEvent): RenderedBody {
  const segments = event.type.split('.');
  // Creads' receivers know three events: any other action (Relais' webhook.disabled, a product's
  // `project.archived`) is a change to the resource, sent in its new state.
  const last = segments.at(-1)!;
  const action = last === 'created' || last === 'deleted' ? last : 'updated';
  // Data's id as the producer wrote it (a big integer id stays exact): parsed again only when it holds such a number.
  const exact = parseExact(event.dataJson);
  const data: unknown = exact ? exact.value : JSON.parse(event.dataJson);
  const dataId = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).gid ?? (data as Record<string, unknown>).id : undefined;
  const type = event.resource?.type ?? segments[0];
  const gid = event.resource?.id !== undefined ? j(event.resource.id) : exact ? exact.json(dataId) : j(dataId);
  const body = `{"event":${j(`resource.${action}`)},"resource_type":${j(type)},"resource_gid":${gid}`
    + (action === 'deleted' ? '}' : `,"resource":${event.dataJson}}`);
  return { contentType: JSON_TYPE, body };
}

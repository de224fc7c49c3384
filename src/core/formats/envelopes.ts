// The JSON envelopes of the seed products, built by splicing the event's data text (serialised
// once at ingest) into the envelope rather than re-serialising it per delivery.
import { diff } from '../changes.ts';
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

/** `simple` (seed 001, Flatchr): `{event, data, company_id}`. */
export function simple(event: RelaisEvent): RenderedBody {
  return { contentType: JSON_TYPE, body: `{"event":${j(event.type)},"data":${event.dataJson},"company_id":${j(companyId(event.tenantId))}}` };
}

/** `2022-03-29 07:50:42`, in UTC, as seed 003 writes times. */
const auditTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * `audit` (seed 003, HireHop): who did it, the tenant, the export key, the event, its data and
 * `changes` as `{field: {from, to}}` — the producer's own, or computed from `previous`.
 */
export function audit(event: RelaisEvent, exportKey: string | null): RenderedBody {
  const changes = event.changes ?? (event.previous === null ? {} : diff(event.previous, JSON.parse(event.dataJson)));
  const a = event.actor;
  return {
    contentType: JSON_TYPE,
    body: `{"time":${j(auditTime(event.occurredAt))},"user_id":${j(a?.id)},"user_name":${j(a?.name)},"user_email":${j(a?.email)},`
      + `"company_id":${j(companyId(event.tenantId))},"export_key":${j(exportKey)},"event":${j(event.type)},`
      + `"data":${event.dataJson},"changes":${j(changes)}}`,
  };
}

/**
 * `resource` (seed 004, Creads): `{event: "resource.<action>", resource_type, resource_gid,
 * resource}`. The action is the type's last segment (`project.created` → `resource.created`);
 * the resource is the event's `resource` reference (or the type's first segment and data's id),
 * and is left out on delete.
 */
export function resource(event: RelaisEvent): RenderedBody {
  const segments = event.type.split('.');
  const action = segments.at(-1)!;
  const data: unknown = JSON.parse(event.dataJson);
  const dataId = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).gid ?? (data as Record<string, unknown>).id : undefined;
  const type = event.resource?.type ?? segments[0];
  const gid = event.resource?.id ?? dataId ?? null;
  const body = `{"event":${j(`resource.${action}`)},"resource_type":${j(type)},"resource_gid":${j(gid)}`
    + (action === 'deleted' ? '}' : `,"resource":${event.dataJson}}`);
  return { contentType: JSON_TYPE, body };
}

// Names for the generated types (schema.ts, from the OpenAPI document): what each call takes and
// answers. Nothing here is written by hand but the names; regenerate with `npm run sdk:generate`.
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

type Schemas = components['schemas'];

/** The query string an operation takes (its `parameters.query`). */
export type QueryOf<O extends keyof operations> = NonNullable<operations[O]['parameters']['query']>;

export type Problem = Schemas['Problem'];
export type FieldError = NonNullable<Problem['errors']>[number];
export type JsonValue = Schemas['JsonValue'];

export type TenantIn = Schemas['TenantIn'];
export type TenantPatch = Schemas['TenantPatch'];
export type Tenant = Schemas['TenantOut'];
export type TenantPage = Schemas['TenantPage'];
export type TenantListQuery = QueryOf<'listTenants'>;
export type Notice = Schemas['NoticeOut'];

export type TokenIn = Schemas['TokenIn'];
export type Token = Schemas['TokenOut'];
export type TokenInfo = Schemas['TokenInfoOut'];
export type PageLinkIn = Schemas['PageLinkIn'];
export type PageLink = Schemas['PageLinkOut'];
export type Me = Schemas['MeOut'];

export type EventTypeIn = Schemas['EventTypeIn'];
export type EventType = Schemas['EventTypeOut'];

export type WebhookIn = Schemas['WebhookIn'];
export type WebhookPatch = Schemas['WebhookPatch'];
export type Webhook = Schemas['WebhookOut'];
export type WebhookCreated = Schemas['WebhookCreated'];
export type Rotated = Schemas['RotatedOut'];
export type PreviewIn = Schemas['PreviewIn'];
export type DraftPreviewIn = Schemas['DraftPreviewIn'];
export type Preview = Schemas['PreviewOut'];
export type RecoverIn = Schemas['RecoverIn'];
export type Recovered = Schemas['RecoverOut'];
export type ConditionCheckIn = Schemas['ConditionCheckIn'];
export type ConditionCheck = Schemas['ConditionCheckOut'];

export type EventIn = Schemas['EventIn'];
export type EventAccepted = Schemas['EventAccepted'];
export type EventBatchAccepted = Schemas['EventBatchAccepted'];

export type Delivery = Schemas['DeliveryOut'];
export type DeliveryPage = Schemas['DeliveryPage'];
export type DeliveryDetail = Schemas['DeliveryDetail'];
export type Attempt = Schemas['AttemptOut'];
/** The delivery log's filters (`before` and `limit` page the JSON listing; an export ignores them). */
export type DeliveryQuery = QueryOf<'listDeliveries'>;
/** One line of the NDJSON export, as the document types the `application/x-ndjson` answer. */
export type DeliveryExportLine = operations['listDeliveries']['responses'][200]['content']['application/x-ndjson'];

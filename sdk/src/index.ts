// relais-sdk: the client of the Relais API (typed from its OpenAPI document) and the webhook
// verifier for receivers.
export { Relais, createRelaisClient, SDK_USER_AGENT, type RelaisOptions } from './client.js';
export { RelaisApiError, isProblem } from './errors.js';
export { RETRYABLE_STATUSES, backoffMs, retryAfterMs, type RetryInfo, type RetryOptions, type TransportOptions } from './retry.js';
export { newIdempotencyId, type SentEvent } from './resources/events.js';
export type { DeliveryFilters } from './resources/deliveries.js';
export type { Imported } from './resources/event-types.js';
export type { Deliveries } from './resources/deliveries.js';
export type { EventTypes } from './resources/event-types.js';
export type { Events } from './resources/events.js';
export type { Links, Tenants, Tokens } from './resources/tenants.js';
export type { Webhooks } from './resources/webhooks.js';
export { DEFAULT_TOLERANCE_SECONDS, FRAPPE_HEADER, WebhookVerificationError, secretKey, verifyWebhook, verifyWebhookSignature, type HeadersLike, type SignatureScheme, type VerificationFailure, type VerifyOptions } from './verify.js';
export type { Api } from './call.js';
export type * from './types.js';

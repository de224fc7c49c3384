// The client of the Relais API: `new Relais({ baseUrl, token })`, one property per resource.
// Every request and answer type comes from the OpenAPI document (schema.ts, generated); calls go
// through openapi-fetch over a transport that retries what may safely be retried (retry.ts), and
// a failed call throws a RelaisApiError with the problem detail.
import createClient from 'openapi-fetch';
import { unwrap, type Api, type Context } from './call.js';
import { createTransport, type TransportOptions } from './retry.js';
import type { paths } from './schema.js';
import type { Me } from './types.js';
import { Deliveries } from './resources/deliveries.js';
import { EventTypes } from './resources/event-types.js';
import { Events } from './resources/events.js';
import { Links, Tenants, Tokens } from './resources/tenants.js';
import { Webhooks } from './resources/webhooks.js';

export const SDK_USER_AGENT = 'relais-sdk/0.1';

export interface RelaisOptions extends TransportOptions {
  /** Where Relais is, e.g. `http://127.0.0.1:8080` (a path prefix is kept: `https://example.com/relais`). */
  baseUrl: string;
  /** The admin token (everything) or a tenant token (that tenant only). */
  token: string;
  /** Sent with every request, e.g. a proxy's. */
  headers?: Record<string, string> | undefined;
  userAgent?: string | undefined;
}

export class Relais {
  /** The typed openapi-fetch client under the resources, for any route they do not wrap. */
  readonly api: Api;
  readonly tenants: Tenants;
  readonly tokens: Tokens;
  /** Sign-in links to a tenant's page. */
  readonly links: Links;
  readonly eventTypes: EventTypes;
  readonly webhooks: Webhooks;
  readonly events: Events;
  readonly deliveries: Deliveries;
  readonly baseUrl: string;

  constructor(options: RelaisOptions) {
    if (!options.baseUrl) throw new TypeError('Relais: baseUrl is required');
    if (!options.token) throw new TypeError('Relais: token is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const transport = createTransport(options);
    this.api = createClient<paths, 'application/json'>({
      baseUrl: this.baseUrl,
      fetch: transport.fetch,
      headers: { 'user-agent': options.userAgent ?? SDK_USER_AGENT, ...options.headers, authorization: `Bearer ${options.token}` },
    });
    const ctx: Context = { api: this.api, transport };
    this.tenants = new Tenants(ctx);
    this.tokens = new Tokens(ctx);
    this.links = new Links(ctx);
    this.eventTypes = new EventTypes(ctx);
    this.webhooks = new Webhooks(ctx);
    this.events = new Events(ctx);
    this.deliveries = new Deliveries(ctx);
  }

  /** What the token is: the admin, or a tenant's (with its tenant and expiry). */
  me(): Promise<Me> {
    return unwrap('GET', this.api.GET('/v1/me'));
  }
}

/** The same as `new Relais(options)`. */
export function createRelaisClient(options: RelaisOptions): Relais {
  return new Relais(options);
}

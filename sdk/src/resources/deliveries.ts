// The delivery log: pages, every page, one delivery with its attempts, a resend, and the NDJSON
// export (every matching delivery, streamed, each as `get` shows it).
import { unwrap, type Context } from '../call.js';
import { readLines } from '../ndjson.js';
import type { Delivery, DeliveryDetail, DeliveryExportLine, DeliveryPage, DeliveryQuery } from '../types.js';

/** The log's filters without paging: what `all` and `export` take. */
export type DeliveryFilters = Omit<DeliveryQuery, 'before' | 'limit'>;

const NDJSON = 'application/x-ndjson';

export class Deliveries {
  constructor(private readonly ctx: Context) {}

  /** One page, newest first; `next_cursor` goes in `before` for the next. `since` is inclusive, `until` exclusive (ISO 8601). */
  list(tenant: string, query: DeliveryQuery = {}): Promise<DeliveryPage> {
    return unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/deliveries', { params: { path: { tenant }, query } }));
  }

  /** Every matching delivery, newest first, page after page (`pageSize` each). */
  async *all(tenant: string, filters: DeliveryFilters = {}, pageSize?: number): AsyncGenerator<Delivery> {
    for (let before: string | undefined; ;) {
      const query: DeliveryQuery = { ...filters, ...(pageSize === undefined ? {} : { limit: pageSize }), ...(before === undefined ? {} : { before }) };
      const page: DeliveryPage = await this.list(tenant, query);
      yield* page.data;
      if (page.next_cursor === null) return;
      before = page.next_cursor;
    }
  }

  /** A delivery with its event and every attempt. */
  get(tenant: string, delivery: string): Promise<DeliveryDetail> {
    return unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/deliveries/{delivery}', { params: { path: { tenant, delivery } } }));
  }

  /** Delivers the same event to the same webhook again, now, as a new delivery. Made once: not retried. */
  resend(tenant: string, delivery: string): Promise<Delivery> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/deliveries/{delivery}/resend', { params: { path: { tenant, delivery } } }));
  }

  /**
   * The export's lines as Relais wrote them (one JSON object each, no newline): to store them
   * byte for byte, e.g. an event's numbers beyond JavaScript's precision. The request is made on
   * the first read; an export cut short throws rather than ending early.
   */
  async *exportLines(tenant: string, filters: DeliveryFilters = {}, signal?: AbortSignal): AsyncGenerator<string> {
    const body = await unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/deliveries', {
      params: { path: { tenant }, query: filters }, headers: { accept: NDJSON }, parseAs: 'stream', ...(signal ? { signal } : {}),
    }));
    // No body at all (openapi-fetch gives none for a Content-Length of 0): nothing matched.
    if (!body) return;
    yield* readLines(body);
  }

  /** Every delivery matching the filters, newest first, each as `get` shows it, streamed (NDJSON): an export of the log. */
  async *export(tenant: string, filters: DeliveryFilters = {}, signal?: AbortSignal): AsyncGenerator<DeliveryExportLine> {
    for await (const line of this.exportLines(tenant, filters, signal)) yield JSON.parse(line) as DeliveryExportLine;
  }
}

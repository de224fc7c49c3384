// `relais deliveries list | get` and `relais resend`: the delivery log.
import type { DeliveryQuery } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { attemptLine, deliveryTable, statusText } from './delivery-line.ts';
import { parseTime, positiveInt } from './input.ts';
import { note, print } from './output.ts';
import { UsageError } from './usage-error.ts';

const STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled'] as const;

export interface FilterOptions {
  webhook?: string;
  status?: string;
  eventType?: string;
  event?: string;
  since?: string;
  until?: string;
  held?: boolean;
}

/** The log's filters from the flags: a bad status or time is a usage error. */
export function deliveryFilters(options: FilterOptions): Omit<DeliveryQuery, 'before' | 'limit'> {
  const status = options.status;
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status: "${status}" is not one of ${STATUSES.join(', ')}`);
  return {
    ...(options.webhook === undefined ? {} : { webhook: options.webhook }),
    ...(status === undefined ? {} : { status: status as DeliveryQuery['status'] }),
    ...(options.eventType === undefined ? {} : { event_type: options.eventType }),
    ...(options.event === undefined ? {} : { event: options.event }),
    ...(options.since === undefined ? {} : { since: parseTime(options.since, '--since') }),
    ...(options.until === undefined ? {} : { until: parseTime(options.until, '--until') }),
    ...(options.held === undefined ? {} : { held: options.held ? 'true' : 'false' }),
  };
}

export interface ListOptions extends RemoteOptions, FilterOptions {
  limit?: string;
  before?: string;
}

export async function listDeliveries(tenant: string, options: ListOptions): Promise<void> {
  const relais = clientOf(options);
  const query: DeliveryQuery = {
    ...deliveryFilters(options),
    ...(options.limit === undefined ? {} : { limit: positiveInt(options.limit, '--limit') }),
    ...(options.before === undefined ? {} : { before: options.before }),
  };
  const page = await relais.deliveries.list(tenant, query);
  print(options, page, () => deliveryTable(page.data));
  if (page.next_cursor) note(options, `more: --before ${page.next_cursor}`);
}

export async function getDelivery(tenant: string, delivery: string, options: RemoteOptions): Promise<void> {
  const d = await clientOf(options).deliveries.get(tenant, delivery);
  print(options, d, () => [
    `${d.id} ${statusText(d.status)} ${d.event_type} → ${d.webhook_id}, ${d.attempt_count} attempt${d.attempt_count === 1 ? '' : 's'}, created ${d.created_at}`,
    `event ${d.event.id} occurred ${d.event.occurred_at}: ${JSON.stringify(d.event.data)}`,
    ...d.attempts.map(attemptLine),
  ]);
}

export async function resend(tenant: string, delivery: string, options: RemoteOptions): Promise<void> {
  const d = await clientOf(options).deliveries.resend(tenant, delivery);
  print(options, d, () => `${d.id} queued: the same event to ${d.webhook_id} again (resend of ${delivery})`);
}

// A delivery log, newest first, filtered by status and event type (and webhook, for the
// tenant's log), a page at a time; the first page refreshes itself. Filters live in the route's
// query, so they survive a reload and the back button.
import { DELIVERY_STATUSES } from '../../core/model.ts';
import type { Webhook } from '../api/types.ts';
import { useTenant } from '../context.ts';
import { useInterval, useLoad } from '../hooks.ts';
import { go, href } from '../router.ts';
import { DeliveryStatus, Time } from './display.tsx';
import { EmptyState, ErrorMessage, Loading } from './feedback.tsx';
import { SelectField } from './field.tsx';

const REFRESH_MS = 3000;
/** `held` is not a status of its own (held deliveries are pending) but the log's filter reads as one. */
const STATUS_OPTIONS: [string, string][] = [['', 'Any status'], ...DELIVERY_STATUSES.map((s): [string, string] => [s, s[0]!.toUpperCase() + s.slice(1)]), ['held', 'Held']];

interface DeliveryLogProps {
  /** The route the log sits on: its filter and paging links stay there. */
  path: string;
  query: URLSearchParams;
  /** One webhook's log; otherwise the tenant's, with a webhook filter over `webhooks`. */
  webhookId?: string;
  webhooks?: readonly Webhook[];
}

export function DeliveryLog({ path, query, webhookId, webhooks }: DeliveryLogProps) {
  const { api, catalog } = useTenant();
  const filter = {
    status: query.get('status') ?? '',
    event_type: query.get('event_type') ?? '',
    webhook: webhookId ?? query.get('webhook') ?? '',
  };
  const before = query.get('before') ?? '';
  const page = useLoad(
    () => api.deliveries({
      ...(filter.status === 'held' ? { held: 'true' } : { status: (filter.status || undefined) as (typeof DELIVERY_STATUSES)[number] | undefined }),
      event_type: filter.event_type || undefined, webhook: filter.webhook || undefined, before: before || undefined,
    }),
    [api, filter.status, filter.event_type, filter.webhook, before],
  );
  useInterval(page.reload, REFRESH_MS, !before);
  const shown = webhookId ? { status: filter.status, event_type: filter.event_type } : filter;
  const refine = (change: Partial<typeof filter>): void => go(path, { ...shown, ...change });
  const filtered = Boolean(filter.status || filter.event_type || (!webhookId && filter.webhook));
  const urlOf = new Map((webhooks ?? []).map((w) => [w.id, w.url]));
  const data = page.data?.data;

  return (
    <div class="log">
      <form class="filters" aria-label="Filter deliveries" onSubmit={(e) => e.preventDefault()}>
        <SelectField id="log-status" label="Status" value={filter.status} options={STATUS_OPTIONS} onValue={(status) => refine({ status })} />
        <SelectField id="log-type" label="Event type" value={filter.event_type} onValue={(t) => refine({ event_type: t })}
          options={[['', 'Any event type'], ...catalog.map((t) => [t.name, t.name] as const)]} />
        {!webhookId && webhooks && (
          <SelectField id="log-webhook" label="Webhook" value={filter.webhook} onValue={(webhook) => refine({ webhook })}
            options={[['', 'Any webhook'], ...webhooks.map((w) => [w.id, w.url] as const)]} />
        )}
        <button type="button" class="button-secondary button-small" onClick={page.reload}>Refresh</button>
      </form>
      {page.loading && !data && <Loading what="deliveries" />}
      <ErrorMessage error={page.error} onRetry={page.reload} />
      {data && !data.length && (filtered || before
        ? <EmptyState title="No deliveries match" action={<a class="button button-secondary" href={href(path)}>Show all deliveries</a>}><p>Nothing here with these filters.</p></EmptyState>
        : <EmptyState title="No deliveries yet"><p>When an event {webhookId ? 'this webhook subscribes to' : 'one of your webhooks subscribes to'} happens, its request and your endpoint's answer appear here, newest first.{webhookId ? ' Send a test event to try it now.' : ''}</p></EmptyState>)}
      {data && data.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <caption class="sr-only">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                {!webhookId && <th scope="col">Webhook</th>}
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.map((d) => (
                <tr key={d.id}>
                  <td class="cell-main"><a href={`#/deliveries/${d.id}`} class="strong"><code>{d.event_type}</code></a><div class="muted small mono">{d.id}</div></td>
                  {!webhookId && <td class="url small">{urlOf.get(d.webhook_id) ?? d.webhook_id}</td>}
                  <td><DeliveryStatus status={d.status} held={d.held} />{d.held ? <div class="muted small">until its webhook is enabled</div>
                    : d.waiting_for_webhook ? <div class="muted small">waiting for its webhook</div> : d.next_attempt_at && <div class="muted small">next <Time iso={d.next_attempt_at} /></div>}</td>
                  <td>{d.attempt_count}</td>
                  <td>{d.last_status_code !== null ? `HTTP ${d.last_status_code}` : d.attempt_count ? 'No answer' : <span class="muted">—</span>}</td>
                  <td><Time iso={d.created_at} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(before || page.data?.next_cursor) && (
        <nav class="pager" aria-label="Pages of deliveries">
          {before && <a class="button button-secondary button-small" href={href(path, shown)}>Newest</a>}
          {page.data?.next_cursor && <a class="button button-secondary button-small" href={href(path, { ...shown, before: page.data.next_cursor })}>Older</a>}
        </nav>
      )}
    </div>
  );
}

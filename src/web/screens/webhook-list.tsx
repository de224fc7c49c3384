// The tenant's webhooks, each with its state and health; where a new one is created.
import { EnabledBadge, Time } from '../components/display.tsx';
import { Announce, EmptyState, ErrorMessage, Loading } from '../components/feedback.tsx';
import { Health } from '../components/health.tsx';
import { Screen } from '../components/screen.tsx';
import { useTenant } from '../context.ts';
import { useLoad } from '../hooks.ts';
import { describeDestination } from '../webhook-form/destination.ts';
import { isBrokerUrl } from '../../core/destinations.ts';

const NEW = <a class="button button-primary" href="#/webhooks/new">New webhook</a>;

export function WebhookList({ query }: { query: URLSearchParams }) {
  const { api } = useTenant();
  const hooks = useLoad(() => api.webhooks(), [api]);
  const list = hooks.data;
  return (
    <Screen title="Webhooks" subtitle="Each webhook sends an HTTP request to your endpoint when an event it subscribes to happens." actions={list?.length ? NEW : undefined}>
      {query.get('deleted') && <Announce tone="success">Webhook deleted.</Announce>}
      {hooks.loading && !list && <Loading what="webhooks" />}
      <ErrorMessage error={hooks.error} onRetry={hooks.reload} />
      {list && !list.length && (
        <EmptyState title="No webhooks yet" action={<a class="button button-primary" href="#/webhooks/new">Create your first webhook</a>}>
          <p>A webhook tells another application, as it happens, that something changed here: a new applicant, a candidate moved to a column, an invoice paid.</p>
          <p>Give it your endpoint's URL and the events to send; every request it makes is then listed with its response.</p>
        </EmptyState>
      )}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <caption class="sr-only">Your webhooks</caption>
            <thead>
              <tr>
                <th scope="col">Destination</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Last success</th>
                <th scope="col">Last 24 hours</th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <tr key={w.id}>
                  <td class="cell-main">
                    <a href={`#/webhooks/${w.id}`} class="strong url">{describeDestination(w.url)}</a>
                    {isBrokerUrl(w.url) && <div class="muted small url"><code>{w.url}</code></div>}
                    {w.description && <div class="muted small">{w.description}</div>}
                  </td>
                  <td><ul class="chips">{w.events.map((e) => <li key={e}><code>{e}</code></li>)}</ul></td>
                  <td>
                    <EnabledBadge enabled={w.enabled} />
                    {w.disabled_reason && <div class="small muted">{w.disabled_reason}</div>}
                  </td>
                  <td><Time iso={w.health.last_success_at} none="Never" /></td>
                  <td><Health health={w.health} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Screen>
  );
}

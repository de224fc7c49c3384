// One webhook: its settings and health, its secret, a test send, enable/disable, delete, and
// its own delivery log.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Webhook } from '../api/types.ts';
import { DeliveryLog } from '../components/delivery-log.tsx';
import { ConfirmDialog } from '../components/dialog.tsx';
import { EnabledBadge, Time } from '../components/display.tsx';
import { Announce, ErrorMessage, Loading } from '../components/feedback.tsx';
import { recentText } from '../components/health.tsx';
import { Screen } from '../components/screen.tsx';
import { useTenant } from '../context.ts';
import { useAction, useLoad } from '../hooks.ts';
import { go } from '../router.ts';
import { describeDestination, kindName } from '../webhook-form/destination.ts';
import { destinationKind, isBrokerUrl } from '../../core/destinations.ts';
import { SecretPanel } from './webhook-secret.tsx';
import { TestPanel } from './webhook-test.tsx';

const RETRY: Record<Webhook['retry']['mode'], string> = { default: 'The server\'s schedule', custom: 'Custom delays', none: 'None: one attempt' };

function Row({ label, children }: { label: string; children: ComponentChildren }) {
  return <div class="dl-row"><dt>{label}</dt><dd>{children}</dd></div>;
}

function Settings({ w }: { w: Webhook }) {
  const filters = Object.entries(w.filters);
  const headers = Object.entries(w.headers);
  return (
    <section class="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <dl class="dl">
        {isBrokerUrl(w.url) && <Row label="Destination">{kindName(destinationKind(w.url)!)}: <code class="url">{w.url}</code></Row>}
        <Row label="Events"><ul class="chips">{w.events.map((e) => <li key={e}><code>{e}</code></li>)}</ul></Row>
        <Row label="Filters">{filters.length ? filters.map(([f, v]) => <div key={f}><code>{f}</code> is {v.map((x) => <code key={String(x)}>{String(x)}</code>).reduce<ComponentChildren[]>((acc, el, i) => (i ? [...acc, ' or ', el] : [el]), [])}</div>) : <span class="muted">None: every event of these types</span>}</Row>
        <Row label="Condition">{w.condition ? <code>{w.condition}</code> : <span class="muted">None</span>}</Row>
        <Row label="Request">{isBrokerUrl(w.url) ? <>A message</> : <code>{w.method}</code>}, format <code>{w.format}</code></Row>
        <Row label="Headers">{headers.length ? headers.map(([k, v]) => <div key={k}><code>{k}: {v}</code></div>) : <span class="muted">None</span>}</Row>
        <Row label="Retries">{RETRY[w.retry.mode]}{w.retry.schedule && `: ${w.retry.schedule.join(', ')}`}</Row>
        <Row label="Created"><Time iso={w.created_at} exact /></Row>
      </dl>
    </section>
  );
}

function HealthCard({ w }: { w: Webhook }) {
  const h = w.health;
  return (
    <section class="card" aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      <dl class="dl">
        <Row label="Last success"><Time iso={h.last_success_at} none="Never" /></Row>
        <Row label="Last 24 hours">{recentText(h)}</Row>
        <Row label="Failed in a row">{h.consecutive_failures}{h.failing_since && <> (since <Time iso={h.failing_since} />)</>}</Row>
      </dl>
    </section>
  );
}

export function WebhookDetail({ id, query }: { id: string; query: URLSearchParams }) {
  const { api } = useTenant();
  const hook = useLoad(() => api.webhook(id), [api, id]);
  const [deleting, setDeleting] = useState(false);
  const action = useAction(
    query.get('created') ? { tone: 'success', text: 'Webhook created. Copy its signing secret below to check the requests it sends.' }
      : query.get('saved') ? { tone: 'success', text: 'Changes saved.' } : null,
  );
  const w = hook.data;

  const setEnabled = (enabled: boolean) => action.run(async () => {
    hook.set(await api.updateWebhook(id, { enabled }));
    return { tone: 'success', text: enabled ? 'Webhook enabled: events it held are being sent.' : 'Webhook disabled: it gets no new events, and what it still had to send is held until you enable it again.' };
  });
  const remove = () => action.run(async () => {
    try {
      await api.deleteWebhook(id);
    } finally {
      setDeleting(false);
    }
    go('/webhooks', { deleted: '1' });
    return undefined;
  });

  const actions = w && (
    <>
      <a class="button button-secondary" href={`#/webhooks/${id}/edit`}>Edit</a>
      <button type="button" class="button-secondary" disabled={action.busy} onClick={() => void setEnabled(!w.enabled)}>{w.enabled ? 'Disable' : 'Enable'}</button>
      <button type="button" class="button-danger-outline" onClick={() => setDeleting(true)}>Delete…</button>
    </>
  );
  return (
    <Screen
      title={w ? describeDestination(w.url) : 'Webhook'} back={<a href="#/webhooks">← Webhooks</a>} actions={actions}
      subtitle={w && <><EnabledBadge enabled={w.enabled} />{w.disabled_reason && <span class="muted"> {w.disabled_reason}: its events are held until it is enabled again</span>}{w.description && <span class="muted"> {w.description}</span>}</>}
    >
      {hook.loading && !w && <Loading what="the webhook" />}
      <ErrorMessage error={hook.error} onRetry={hook.reload} />
      <Announce tone={action.outcome?.tone}>{action.outcome?.text}</Announce>
      {w && (
        <>
          <div class="grid-2">
            <div class="stack">
              <Settings w={w} />
            </div>
            <div class="stack">
              <HealthCard w={w} />
              <SecretPanel webhookId={w.id} />
              <TestPanel webhook={w} />
            </div>
          </div>
          <section class="section" aria-labelledby="log-title">
            <h2 id="log-title">Deliveries</h2>
            <DeliveryLog path={`/webhooks/${id}`} query={query} webhookId={id} />
          </section>
          <ConfirmDialog open={deleting} title="Delete this webhook?" confirmLabel="Delete webhook" danger busy={action.busy} onConfirm={() => void remove()} onClose={() => setDeleting(false)}>
            <p>{isBrokerUrl(w.url) ? 'Messages to' : 'Requests to'} <strong class="url">{describeDestination(w.url)}</strong> stop at once, and its deliveries and their log are deleted with it. This cannot be undone.</p>
          </ConfirmDialog>
        </>
      )}
    </Screen>
  );
}

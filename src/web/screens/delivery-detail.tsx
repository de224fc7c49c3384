// One delivery: its event, and every attempt with the exact request and the endpoint's answer
// (or the error), the redirects followed, who caused the event and what it is about; resend it as
// a new delivery of the same event.
import type { Attempt, DeliveryWithAttempts } from '../api/types.ts';
import { Code, DeliveryStatus, Headers, pretty, Time } from '../components/display.tsx';
import { Announce, ErrorMessage, Loading } from '../components/feedback.tsx';
import { Screen } from '../components/screen.tsx';
import { useTenant } from '../context.ts';
import { useAction, useInterval, useLoad } from '../hooks.ts';

type RedirectList = NonNullable<Attempt['response']>['redirects'];

function AttemptView({ attempt, n }: { attempt: Attempt; n: number }) {
  const { request: req, response: res, error } = attempt;
  const verdict = attempt.succeeded ? 'Succeeded' : 'Failed';
  return (
    <article class="card attempt" aria-labelledby={`attempt-${n}`}>
      <h3 id={`attempt-${n}`}>
        Attempt {n}: <span class={attempt.succeeded ? 'text-good' : 'text-bad'}>{verdict}</span>
        <span class="muted"> · {res ? `HTTP ${res.status}` : error ? error.kind.replace(/_/g, ' ') : 'no answer'} · {attempt.duration_ms} ms · <Time iso={attempt.started_at} exact /></span>
      </h3>
      <div class="grid-2">
        <div>
          <h4>Request</h4>
          <p class="request-line"><code><strong>{req.method}</strong> {req.url}</code></p>
          <Headers headers={req.headers} caption={`Attempt ${n} request headers`} />
          <h4>Request body</h4>
          {req.body ? <Code label={`Attempt ${n} request body`}>{req.body}</Code> : <p class="muted">No body.</p>}
        </div>
        <div>
          <h4>Response</h4>
          {error && <div class="alert alert-error"><p><strong>{error.kind.replace(/_/g, ' ')}</strong>: {error.message}</p></div>}
          {res ? (
            <>
              {res.redirects.length > 0 && <Redirects redirects={res.redirects} n={n} />}
              <p class="request-line"><code><strong>HTTP {res.status}</strong>{res.redirects.length > 0 && <> from {res.redirects.at(-1)!.url}</>}</code></p>
              <Headers headers={res.headers} caption={`Attempt ${n} response headers`} />
              <h4>Response body{res.body_truncated && <span class="muted small"> (first 64 KiB)</span>}</h4>
              {res.body ? <Code label={`Attempt ${n} response body`}>{pretty(res.body)}</Code> : <p class="muted">Empty.</p>}
            </>
          ) : !error && <p class="muted">No response.</p>}
        </div>
      </div>
    </article>
  );
}

/** The redirects followed to the answer (webhooks that follow them), in order. */
function Redirects({ redirects, n }: { redirects: RedirectList; n: number }) {
  return (
    <>
      <p class="muted small" id={`attempt-${n}-redirects`}>Followed {redirects.length === 1 ? '1 redirect' : `${redirects.length} redirects`}:</p>
      <ol class="redirects" aria-labelledby={`attempt-${n}-redirects`}>
        {redirects.map((r, i) => <li key={i}><code>{r.status} → <strong>{r.method}</strong> {r.url}</code></li>)}
      </ol>
    </>
  );
}

/** Who caused the event and what it is about, as the product said (Frappe's log shows the user and the document). */
function EventSubject({ event }: { event: DeliveryWithAttempts['event'] }) {
  const { actor, resource } = event;
  const who = actor && [actor.name, actor.email && `<${actor.email}>`].filter(Boolean).join(' ');
  return (
    <>
      {actor && <div class="dl-row"><dt>By</dt><dd>{who || <span class="muted">No name</span>}{actor.id !== null && <span class="muted mono small"> {String(actor.id)}</span>}</dd></div>}
      {resource && <div class="dl-row"><dt>About</dt><dd><code>{resource.type}</code> <span class="mono">{String(resource.id)}</span></dd></div>}
    </>
  );
}

export function DeliveryDetail({ id }: { id: string }) {
  const { api } = useTenant();
  const found = useLoad(() => api.delivery(id), [api, id]);
  const resend = useAction();
  const d = found.data;
  // Still on its way: follow it until it settles.
  useInterval(found.reload, 2000, d?.status === 'pending' || d?.status === 'delivering');

  const resendNow = () => resend.run(async () => {
    const again = await api.resend(id);
    return { tone: 'success', text: <>Resent as a new delivery of the same event, with the same webhook-id. <a href={`#/deliveries/${again.id}`}>Open the new delivery</a></> };
  });

  return (
    <Screen
      title={d ? `Delivery of ${d.event_type}` : 'Delivery'}
      back={d ? <a href={`#/webhooks/${d.webhook_id}`}>← The webhook</a> : <a href="#/deliveries">← Deliveries</a>}
      subtitle={d && <><DeliveryStatus status={d.status} held={d.held} /> <span class="muted mono small">{d.id}</span></>}
      actions={d && <button type="button" class="button-primary" disabled={resend.busy} onClick={() => void resendNow()}>{resend.busy ? 'Resending…' : 'Resend'}</button>}
    >
      {found.loading && !d && <Loading what="the delivery" />}
      <ErrorMessage error={found.error} onRetry={found.reload} />
      <Announce tone={resend.outcome?.tone}>{resend.outcome?.text}</Announce>
      {d && (
        <>
          <dl class="dl dl-inline card">
            <div class="dl-row"><dt>Event</dt><dd><code>{d.event.type}</code> <span class="muted mono small">{d.event.id}</span></dd></div>
            <div class="dl-row"><dt>Happened</dt><dd><Time iso={d.event.occurred_at} exact /></dd></div>
            <EventSubject event={d.event} />
            {d.origin !== 'event' && (
              <div class="dl-row"><dt>Made by</dt><dd>{d.origin === 'resend' ? 'A resend, by hand' : 'A recovery, by hand'}{d.message_id !== d.id && <span class="muted"> — webhook-id <span class="mono small">{d.message_id}</span>, as the first delivery</span>}</dd></div>
            )}
            <div class="dl-row"><dt>Attempts</dt><dd>{d.attempt_count}</dd></div>
            <div class="dl-row"><dt>Next attempt</dt><dd>{d.held
              ? <>Held while its webhook is disabled: it goes, in order, once the webhook is enabled again</>
              : d.waiting_for_webhook
              ? <>As soon as its webhook can take it (at its concurrency limit, rate limit, or pausing a failing receiver); at the latest <Time iso={d.next_attempt_at} exact /></>
              : <Time iso={d.next_attempt_at} exact none="None" />}</dd></div>
          </dl>
          <section class="section" aria-labelledby="attempts-title">
            <h2 id="attempts-title">Attempts</h2>
            {d.attempts.length === 0 && <p class="muted">No attempt yet{d.held ? ': it is held' : d.status === 'pending' ? ': it is queued' : ''}.</p>}
            {d.attempts.map((a, i) => <AttemptView key={a.id} attempt={a} n={i + 1} />)}
          </section>
          <details class="section">
            <summary>The event's data</summary>
            <Code label="Event data">{JSON.stringify(d.event.data, null, 2)}</Code>
          </details>
        </>
      )}
    </Screen>
  );
}

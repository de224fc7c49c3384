// Sending a test event: the catalog's example of a type goes to the endpoint now, and the
// answer is shown as soon as the attempt is recorded.
import { useState } from 'preact/hooks';
import { typeMatches } from '../../core/matching.ts';
import { isBrokerUrl } from '../../core/destinations.ts';
import type { DeliveryWithAttempts, Webhook } from '../api/types.ts';
import { Announce } from '../components/feedback.tsx';
import { SelectField } from '../components/field.tsx';
import { useTenant } from '../context.ts';
import { useAction, type Outcome } from '../hooks.ts';

function outcome(d: DeliveryWithAttempts, broker: boolean): Outcome & { text: string } {
  const a = d.attempts[0];
  if (!a) return { tone: 'error', text: `No answer yet: the test delivery is ${d.status}.` };
  // A broker's confirmation is recorded as a 200 whose body says what confirmed it.
  if (broker && a.succeeded) return { tone: 'success', text: `Delivered: ${a.response?.body || 'the broker confirmed it'} in ${a.duration_ms} ms.` };
  if (a.succeeded) return { tone: 'success', text: `Delivered: your endpoint answered HTTP ${a.response?.status ?? '?'} in ${a.duration_ms} ms.` };
  if (a.response) return { tone: 'error', text: `Failed: your endpoint answered HTTP ${a.response.status} in ${a.duration_ms} ms.` };
  return { tone: 'error', text: `Failed: ${a.error?.kind.replace(/_/g, ' ') ?? 'error'}${a.error?.message ? ` (${a.error.message})` : ''}.` };
}

export function TestPanel({ webhook }: { webhook: Webhook }) {
  const { api, catalog } = useTenant();
  const types = catalog.map((t) => t.name).filter((name) => webhook.events.some((p) => typeMatches(p, name)));
  const [type, setType] = useState(types[0] ?? '');
  const test = useAction();
  const send = () => test.run(async () => {
    const delivery = await api.testWebhook(webhook.id, type || undefined);
    const { tone, text } = outcome(delivery, isBrokerUrl(webhook.url));
    return { tone, text: <>{text} <a href={`#/deliveries/${delivery.id}`}>Open the delivery</a></> };
  });

  return (
    <section class="card" aria-labelledby="test-title">
      <h2 id="test-title">Send a test event</h2>
      <p class="hint">Sends the catalog's example of an event to your endpoint now, and shows its answer.</p>
      {types.length > 1 && <SelectField id="test-type" label="Event type" value={type} options={types.map((t) => [t, t] as const)} onValue={setType} />}
      <div class="actions">
        <button type="button" class="button-secondary" disabled={test.busy || !webhook.enabled} onClick={() => void send()}>{test.busy ? 'Sending…' : 'Send test event'}</button>
        {!webhook.enabled && <span class="muted small">Enable the webhook to send a test.</span>}
      </div>
      <Announce tone={test.outcome?.tone}>{test.outcome?.text}</Announce>
    </section>
  );
}

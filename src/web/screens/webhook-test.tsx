// Sending a test event: the catalog's example of a type goes to the endpoint now, and the
// answer is shown as soon as the attempt is recorded.
import { useState } from 'preact/hooks';
import { typeMatches } from '../../core/matching.ts';
import type { DeliveryWithAttempts, Webhook } from '../api/types.ts';
import { Announce, errorText } from '../components/feedback.tsx';
import { SelectField } from '../components/field.tsx';
import { useTenant } from '../context.ts';

function outcome(d: DeliveryWithAttempts): { tone: 'success' | 'error'; text: string } {
  const a = d.attempts[0];
  if (!a) return { tone: 'error', text: `No answer yet: the test delivery is ${d.status}.` };
  if (a.succeeded) return { tone: 'success', text: `Delivered: your endpoint answered HTTP ${a.response?.status ?? '?'} in ${a.duration_ms} ms.` };
  if (a.response) return { tone: 'error', text: `Failed: your endpoint answered HTTP ${a.response.status} in ${a.duration_ms} ms.` };
  return { tone: 'error', text: `Failed: ${a.error?.kind.replace(/_/g, ' ') ?? 'error'}${a.error?.message ? ` (${a.error.message})` : ''}.` };
}

export function TestPanel({ webhook }: { webhook: Webhook }) {
  const { api, catalog } = useTenant();
  const types = catalog.map((t) => t.name).filter((name) => webhook.events.some((p) => typeMatches(p, name)));
  const [type, setType] = useState(types[0] ?? '');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ tone: 'success' | 'error'; text: string; delivery?: string } | null>(null);

  const send = async (): Promise<void> => {
    setBusy(true);
    setResult(null);
    try {
      const delivery = await api.testWebhook(webhook.id, type || undefined);
      setResult({ ...outcome(delivery), delivery: delivery.id });
    } catch (err) {
      setResult({ tone: 'error', text: errorText(err as Error) });
    }
    setBusy(false);
  };

  return (
    <section class="card" aria-labelledby="test-title">
      <h2 id="test-title">Send a test event</h2>
      <p class="hint">Sends the catalog's example of an event to your endpoint now, and shows its answer.</p>
      {types.length > 1 && <SelectField id="test-type" label="Event type" value={type} options={types.map((t) => [t, t] as const)} onValue={setType} />}
      <div class="actions">
        <button type="button" class="button-secondary" disabled={busy || !webhook.enabled} onClick={() => void send()}>{busy ? 'Sending…' : 'Send test event'}</button>
        {!webhook.enabled && <span class="muted small">Enable the webhook to send a test.</span>}
      </div>
      <Announce tone={result?.tone}>
        {result && <>{result.text} {result.delivery && <a href={`#/deliveries/${result.delivery}`}>Open the delivery</a>}</>}
      </Announce>
    </section>
  );
}

// Where the webhook sends (issue 21): an HTTPS endpoint's URL, or a broker's fields — host,
// port, TLS, credentials and what the broker needs (exchange and routing key, subject, stream,
// topic) — from which the form composes the URL the API takes. Each of the API's problems shows
// next to the field it names (`url.routing_key` → Routing key; `url` → Host).
import { redactUrlPassword } from '../../core/destinations.ts';
import { SelectField, TextField } from '../components/field.tsx';
import { Check } from './check.tsx';
import { DESTINATION_KINDS, composeBrokerUrl, defaultPort, type BrokerFields } from './destination.ts';
import { controlId, type Draft, type FieldErrors } from './draft.ts';

interface DestinationFieldsProps {
  draft: Draft;
  errors: FieldErrors;
  set: (change: Partial<Draft>) => void;
  /** Editing a saved webhook: an empty password keeps the stored one. */
  editing: boolean;
}

const TLS_SCHEMES = { amqp: 'amqps://', nats: 'tls://', redis: 'rediss://', mqtt: 'mqtts://' } as const;

export function DestinationFields({ draft, errors, set, editing }: DestinationFieldsProps) {
  const kind = draft.kind;
  const f = draft.broker;
  const put = (change: Partial<BrokerFields>): void => set({ broker: { ...f, ...change } });
  const text = (key: keyof BrokerFields & string, errorKey: string, label: string, extra: { hint?: string; placeholder?: string; inputMode?: 'numeric' } = {}) => (
    <TextField id={controlId(errorKey)} label={label} value={f[key] as string} onValue={(v) => put({ [key]: v })} error={errors[errorKey]}
      autoComplete="off" spellcheck={false} {...extra} />
  );

  return (
    <>
      <SelectField id={controlId('destination')} label="Destination" value={kind} options={DESTINATION_KINDS} onValue={(k) => set({ kind: k })}
        hint="An HTTPS endpoint gets a signed request; a broker gets the same body and headers as a message." />
      {kind === 'http' && (
        <TextField id={controlId('url')} label="Endpoint URL" type="url" value={draft.url} onValue={(url) => set({ url })} error={errors.url}
          placeholder="https://example.com/webhooks" hint="Where the requests go: an http or https address." />
      )}
      {kind !== 'http' && (
        <div role="group" aria-labelledby="destination-legend" class="destination">
          <p class="sr-only" id="destination-legend">The broker</p>
          <div class="field-row">
            {text('host', 'url', 'Host', { hint: 'The broker\'s host name or IP address.', placeholder: 'mq.example.com' })}
            {text('port', 'url.port', 'Port (optional)', { hint: `${defaultPort(kind, f.tls)} when empty.`, placeholder: String(defaultPort(kind, f.tls)), inputMode: 'numeric' })}
          </div>
          <Check id={controlId('url.tls')} label="Connect over TLS" checked={f.tls} onValue={(tls) => put({ tls })}
            hint={`${TLS_SCHEMES[kind]}: the broker's certificate is checked against the host name.`} />
          <div class="field-row">
            {text('username', 'url.username', 'User name (optional)')}
            <TextField id={controlId('url.password')} label="Password (optional)" type="password" value={f.password} onValue={(password) => put({ password })}
              error={errors['url.password']} autoComplete="new-password"
              hint={editing && f.storedPassword ? 'Leave empty to keep the stored password.' : 'Sealed at rest, never shown again.'} />
          </div>
          {kind === 'amqp' && (
            <>
              {text('vhost', 'url.vhost', 'Virtual host (optional)', { placeholder: '/', hint: 'The default, /, when empty.' })}
              <div class="field-row">
                {text('exchange', 'url.exchange', 'Exchange (optional)', { hint: 'The default exchange when empty: the routing key is then a queue\'s name.' })}
                {text('routingKey', 'url.routing_key', 'Routing key', { hint: 'Each message is published with it; a queue must be bound for it.' })}
              </div>
            </>
          )}
          {kind === 'nats' && text('subject', 'url.subject', 'Subject', { placeholder: 'orders.created', hint: 'Dot-separated tokens, no wildcards; a JetStream stream must capture it.' })}
          {kind === 'redis' && (
            <>
              {text('stream', 'url.stream', 'Stream', { placeholder: 'webhooks', hint: 'The stream\'s key: each message is one XADD entry.' })}
              <div class="field-row">
                {text('db', 'url.db', 'Database (optional)', { placeholder: '0', inputMode: 'numeric', hint: '0 to 15; 0 when empty.' })}
                {text('maxlen', 'url.maxlen', 'Max length (optional)', { inputMode: 'numeric', hint: 'Trims the stream to about this many entries (MAXLEN ~); no trimming when empty.' })}
              </div>
            </>
          )}
          {kind === 'mqtt' && (
            <div class="field-row">
              {text('topic', 'url.topic', 'Topic', { placeholder: 'relais/orders', hint: 'No + or # wildcards.' })}
              <SelectField id={controlId('url.qos')} label="QoS" value={f.qos} error={errors['url.qos']} onValue={(qos) => put({ qos })}
                options={[['0', '0: at most once'], ['1', '1: at least once (acknowledged)'], ['2', '2: exactly once']]}
                hint="MQTT 5; the message is not retained." />
            </div>
          )}
          <p class="hint small">The URL Relais keeps: <code class="url" data-testid="destination-url">{redactUrlPassword(composeBrokerUrl(kind, f))}</code></p>
        </div>
      )}
    </>
  );
}

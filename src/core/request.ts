// The exact request a delivery makes: method, URL, headers (signed), body. Pure: the caller
// hands in the rendered body and the time. The body returned is the one signed and sent.
import type { RenderedBody } from './formats/envelopes.ts';
import type { AttemptRequest, Webhook } from './model.ts';
import { signatureHeader } from './signing.ts';

export const USER_AGENT = 'Relais-Webhooks/0.1';

export interface BuildInput {
  webhook: Pick<Webhook, 'url' | 'method' | 'headers'>;
  /** Each signs: two during a secret rotation's overlap (see signingSecrets). */
  secrets: readonly string[];
  rendered: RenderedBody;
  msgId: string;
  timestampS: number;
}

export function buildRequest({ webhook, secrets, rendered, msgId, timestampS }: BuildInput): AttemptRequest {
  const sent = webhook.method === 'GET' ? '' : rendered.body;
  return {
    method: webhook.method,
    url: webhook.url,
    headers: {
      ...Object.fromEntries(Object.entries(webhook.headers).map(([name, value]) => [name.toLowerCase(), value])),
      'user-agent': USER_AGENT,
      ...(webhook.method === 'GET' ? {} : { 'content-type': rendered.contentType }),
      'webhook-id': msgId,
      'webhook-timestamp': String(timestampS),
      'webhook-signature': signatureHeader(secrets, { msgId, timestampS, body: sent }),
    },
    body: sent,
  };
}

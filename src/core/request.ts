// The exact request a delivery makes: method, URL, headers (signed), body. Pure: the caller
// hands in the rendered body and the time. The body returned is the one signed and sent.
import type { RenderedBody } from './formats/envelopes.ts';
import type { AttemptRequest, Webhook } from './model.ts';
import { frappeSignature, signatureHeader } from './signing.ts';

export const USER_AGENT = 'Relais-Webhooks/0.1';

export interface BuildInput {
  webhook: Pick<Webhook, 'url' | 'method' | 'headers' | 'signatureScheme'>;
  /** Each signs: two during a secret rotation's overlap (see signingSecrets). */
  secrets: readonly string[];
  rendered: RenderedBody;
  msgId: string;
  timestampS: number;
}

/**
 * The webhook's own header rows go over ours, so a product's User-Agent or Content-Type (Frappe's
 * UI adds one) is what receivers see; the signature headers always come last, and the schema
 * refuses rows for them and for what the connection sets (schemas/webhooks.ts).
 */
export function buildRequest({ webhook, secrets, rendered, msgId, timestampS }: BuildInput): AttemptRequest {
  const sent = webhook.method === 'GET' ? '' : rendered.body;
  const own = Object.fromEntries(Object.entries(webhook.headers).map(([name, value]) => [name.toLowerCase(), value]));
  if (webhook.method === 'GET') delete own['content-type'];
  return {
    method: webhook.method,
    url: webhook.url,
    headers: {
      'user-agent': USER_AGENT,
      ...(webhook.method === 'GET' ? {} : { 'content-type': rendered.contentType }),
      ...own,
      'webhook-id': msgId,
      'webhook-timestamp': String(timestampS),
      'webhook-signature': signatureHeader(secrets, { msgId, timestampS, body: sent }),
      // Frappe's header holds one value: the current secret's, even during a rotation's overlap.
      ...(webhook.signatureScheme === 'frappe' ? { 'x-frappe-webhook-signature': frappeSignature(secrets[0]!, sent) } : {}),
    },
    body: sent,
  };
}

// The exact request a delivery makes: method, URL, headers (signed), body. Pure: the caller
// hands in the time. The body string returned is the one signed and the one to send.
import type { AttemptRequest, RelaisEvent, Webhook } from './model.ts';
import { renderBody } from './payload.ts';
import { signatureHeader } from './signing.ts';

export const USER_AGENT = 'Relais-Webhooks/0.1';

export interface BuildInput {
  webhook: Pick<Webhook, 'url' | 'method' | 'headers' | 'format' | 'secret'>;
  event: RelaisEvent;
  msgId: string;
  timestampS: number;
}

export function buildRequest({ webhook, event, msgId, timestampS }: BuildInput): AttemptRequest {
  const { contentType, body } = renderBody(webhook, event);
  const sent = webhook.method === 'GET' ? '' : body;
  return {
    method: webhook.method,
    url: webhook.url,
    headers: {
      ...Object.fromEntries(Object.entries(webhook.headers).map(([name, value]) => [name.toLowerCase(), value])),
      'user-agent': USER_AGENT,
      ...(webhook.method === 'GET' ? {} : { 'content-type': contentType }),
      'webhook-id': msgId,
      'webhook-timestamp': String(timestampS),
      'webhook-signature': signatureHeader([webhook.secret], { msgId, timestampS, body: sent }),
    },
    body: sent,
  };
}

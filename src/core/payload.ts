// The body a webhook receives. The event's data was serialised once at ingest; every format
// splices that text in rather than re-serialising the same object per delivery.
import type { RelaisEvent, Webhook } from './model.ts';

export interface RenderedBody {
  contentType: string;
  body: string;
}

/** `standard` (Standard Webhooks): `{"type", "timestamp", "data"}`. */
function standard(event: RelaisEvent): RenderedBody {
  const body = `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(new Date(event.occurredAt).toISOString())},"data":${event.dataJson}}`;
  return { contentType: 'application/json', body };
}

export function renderBody(webhook: Pick<Webhook, 'format'>, event: RelaisEvent): RenderedBody {
  switch (webhook.format) {
    case 'standard':
      return standard(event);
  }
}

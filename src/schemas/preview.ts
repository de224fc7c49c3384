import { z } from 'zod';
import { HTTP_METHODS } from '../core/model.ts';
import { EventTypeName, JsonValue } from './common.ts';
import { EventIn } from './events.ts';
import { WebhookIn } from './webhooks.ts';

const previewFields = {
  event: EventIn.optional().describe('The event to render; the type\'s example when absent'),
  event_type: EventTypeName.optional().describe('Whose example to use when no event is given (default: the webhook\'s first exact type)'),
};

export const PreviewIn = z.strictObject(previewFields).meta({ id: 'PreviewIn' });
export const DraftPreviewIn = z.strictObject({ webhook: WebhookIn, ...previewFields }).meta({ id: 'DraftPreviewIn' });

export const PreviewOut = z.object({
  request: z.object({
    method: z.enum(HTTP_METHODS),
    url: z.string(),
    headers: z.record(z.string(), z.string()).describe('As sent, secret-looking values redacted'),
    body: z.string().describe('The exact bytes that would be signed and sent'),
  }),
  event: z.object({ type: z.string(), data: JsonValue }),
  error: z.string().nullable().describe('Why the body could not be rendered (template errors), as a delivery would record it'),
}).meta({ id: 'PreviewOut' });

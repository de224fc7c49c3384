// The use cases the API, the page and the CLI share.
import { authService } from './auth.ts';
import { conditionService } from './conditions.ts';
import { deliveryService } from './deliveries.ts';
import { deliveryExportService } from './delivery-export.ts';
import type { ServiceDeps } from './deps.ts';
import { eventTypeService } from './event-types.ts';
import { eventService } from './events.ts';
import { previewService } from './preview.ts';
import { recoveryService } from './recovery.ts';
import { noticeService } from './notices.ts';
import { sendingService } from './sending.ts';
import { tenantService } from './tenants.ts';
import { webhookService } from './webhooks.ts';

export function createServices(deps: ServiceDeps) {
  const eventTypes = eventTypeService(deps);
  const events = eventService(deps, eventTypes);
  const notices = noticeService(deps);
  const deliveries = deliveryService(deps);
  return {
    auth: authService(deps),
    tenants: tenantService(deps),
    eventTypes,
    webhooks: webhookService(deps, eventTypes, events, notices),
    notices,
    events,
    deliveries,
    deliveryExport: deliveryExportService(deliveries),
    preview: previewService(deps, eventTypes),
    sending: sendingService(deps, eventTypes),
    recovery: recoveryService(deps, events),
    conditions: conditionService(eventTypes),
  };
}
export type Services = ReturnType<typeof createServices>;
export type { ServiceDeps } from './deps.ts';

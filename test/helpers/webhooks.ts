// A webhook as the store takes it, every field at its plain default: for tests and benchmarks
// that talk to a Store directly, without the API's defaults.
import { newId } from '../../src/ids.ts';
import type { NewWebhook } from '../../src/store/store.ts';

export const TEST_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export function newWebhook(tenantId: string, events: string[], extra: Partial<NewWebhook> = {}): NewWebhook {
  return {
    id: newId('wh'), tenantId, url: 'http://127.0.0.1:9/hook', events, enabled: true, description: null, filters: {},
    method: 'POST', headers: {}, secretHeaders: [], format: 'standard', secret: TEST_SECRET, retry: { mode: 'default' }, condition: null, template: null,
    contentType: null, formFields: null, exportKey: null, maxConcurrency: null, rateLimit: null, ordering: 'none',
    signatureScheme: 'standard', templateDialect: 'jinja', timeoutMs: null, followRedirects: false, autoDisable: true, ...extra,
  };
}

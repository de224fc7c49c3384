// The body a webhook gets for an event, in the webhook's format. Every format but `template` is
// a pure function of the event; templates go through the sandboxed renderer.
import { audit, resource, simple, standard, type RenderedBody } from '../core/formats/envelopes.ts';
import { form } from '../core/formats/form.ts';
import { pythonJson, pythonNumber, pythonRedump } from '../core/formats/python-json.ts';
import { parseExact, type ExactJson } from '../core/exact-numbers.ts';
import { isJsonContentType, templateContext } from '../core/formats/template-context.ts';
import type { RelaisEvent, Webhook } from '../core/model.ts';
import { TemplateError, type TemplateRenderer } from './renderer.ts';

export type Shape = Pick<Webhook, 'format' | 'template' | 'contentType' | 'formFields' | 'exportKey' | 'tenantExportKey' | 'templateDialect'>;

export const DEFAULT_TEMPLATE_CONTENT_TYPE = 'application/json';

/**
 * Frappe does not send a JSON template's text: it sends json.dumps(json.loads(text)), Python's
 * spacing and \uXXXX escapes, keys in their written order, and numbers as Python reads them (1e3
 * is 1000.0, 1.50 is 1.5, a big integer exact). So does the `frappe` dialect. An object that
 * repeats a key is written from the parsed value (JSON.parse puts integer-like keys first there).
 */
function asFrappeSends(text: string, parsed: unknown): string {
  const redumped = pythonRedump(text);
  if (redumped !== undefined) return redumped;
  const exact = parseExact(text);
  return exact ? exact.restore(pythonJson(exact.value, { readNumbers: true }), pythonNumber) : pythonJson(parsed, { readNumbers: true });
}

/**
 * Frappe's Jinja sees the document as Python's json reads it: 1248.0 a float, printed `1248.0`,
 * and 12345678901234567890 an exact int. Such numbers go to the template as markers with their
 * texts (render/jinja-values.mjs puts them back). Not for data holding an escaped NUL, which a
 * marker could be mistaken for (ingest refuses them; a preview's data may not have been checked).
 */
const frappeNumbers = (dataJson: string): ExactJson | undefined => (dataJson.includes('\\u0000') ? undefined : parseExact(dataJson));

export async function renderBody(webhook: Shape, event: RelaisEvent, templates: TemplateRenderer): Promise<RenderedBody> {
  switch (webhook.format) {
    case 'standard': return standard(event);
    case 'simple': return simple(event);
    case 'audit': return audit(event, webhook.exportKey ?? webhook.tenantExportKey);
    case 'resource': return resource(event);
    case 'form': return form(event, webhook.formFields ?? [], webhook.contentType);
    case 'template': {
      const contentType = webhook.contentType ?? DEFAULT_TEMPLATE_CONTENT_TYPE;
      const exact = webhook.templateDialect === 'frappe' ? frappeNumbers(event.dataJson) : undefined;
      const body = await templates.render(webhook.template ?? '', templateContext(event, exact?.value), event.tenantId, webhook.templateDialect, exact?.numbers);
      if (!isJsonContentType(contentType)) return { contentType, body };
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (err) {
        throw new TemplateError(`the template did not render valid JSON (${(err as Error).message}); wrap text fields in double quotes, or write values with the json or tojson filter`);
      }
      return { contentType, body: webhook.templateDialect === 'frappe' ? asFrappeSends(body, parsed) : body };
    }
  }
}

// `relais send <tenant> <type> [data]`: emit an event straight into the store, as the API would.
import { loadConfig } from '../config.ts';
import { RelaisError } from '../core/errors.ts';
import { parseExact } from '../core/exact-numbers.ts';
import { jsonProblem } from '../core/json-limits.ts';
import { createLogger } from '../log.ts';
import { EventIn } from '../schemas/events.ts';
import { createServices } from '../services/index.ts';
import { openStore } from '../store/open.ts';
import { createTemplateRenderer } from '../render/renderer.ts';
import { requireExistingDatabase } from './database.ts';

export interface SendOptions {
  id?: string;
  occurredAt?: string;
}

export async function send(tenant: string, type: string, data: string | undefined, options: SendOptions): Promise<void> {
  let parsedData: unknown;
  try {
    parsedData = data === undefined ? {} : JSON.parse(data);
  } catch (err) {
    throw new Error(`data is not valid JSON: ${(err as Error).message}`);
  }
  const limit = jsonProblem({ type, data: parsedData, id: options.id }); // as the API's body limits (api/input-limits.ts)
  if (limit) throw new Error(`${limit.field}: ${limit.message}`);
  const input = EventIn.safeParse({ type, data: parsedData, id: options.id, occurred_at: options.occurredAt });
  if (!input.success) throw new Error(input.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; '));

  const config = loadConfig();
  requireExistingDatabase(config, 'send');
  const store = openStore(config);
  try {
    await store.migrate();
    const services = createServices({ store, config, now: Date.now, wake: () => store.dueSignal.notify(), log: createLogger('warn'), templates: createTemplateRenderer() });
    await services.tenants.get(tenant);
    // The data's numbers as written, as the API keeps them (core/exact-numbers.ts).
    const exact = data === undefined ? undefined : parseExact(data);
    const result = await services.events.send(tenant, input.data, exact && { data: exact.json(exact.value), previous: undefined, changes: undefined });
    process.stdout.write(`${JSON.stringify({ id: result.event.id, deliveries: result.event.deliveriesCount, duplicate: !result.created })}\n`);
  } catch (err) {
    if (err instanceof RelaisError) throw new Error(err.message);
    throw err;
  } finally {
    await store.close();
  }
}

// `relais import <file>`: a product's catalog, tenants and existing webhooks, from one JSON file
// (docs/guides/), created through the services as the API creates them. Ids, URLs, events and
// secrets are kept. Every entry is checked before anything is written (import-file.ts); a
// webhook the tenant already has is skipped, so importing the same file again is safe.
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../config.ts';
import { RelaisError } from '../core/errors.ts';
import { createLogger } from '../log.ts';
import { createTemplateRenderer } from '../render/renderer.ts';
import { createServices, type Services } from '../services/index.ts';
import { openStore } from '../store/open.ts';
import { requireExistingDatabase } from './database.ts';
import { checkImport, inFileOrder, parseImportFile, webhookInput, withImportedCatalog, type ImportFile } from './import-file.ts';

/** What was done, printed as one JSON line; webhooks as `tenant/id` (a tenant id has no slash). */
interface Summary {
  event_types: { created: string[]; updated: string[] };
  tenants: { created: string[]; export_key_updated: string[]; kept: string[] };
  webhooks: { created: string[]; skipped: string[]; failed: string[] };
}

const note = (line: string): void => { process.stderr.write(`relais import: ${line}\n`); };
const isCode = (err: unknown, code: string): boolean => err instanceof RelaisError && err.code === code;

/** Whether the tenant has a webhook of that id (the service answers not-found by throwing). */
function hasWebhook(services: Services, tenant: string, id: string): Promise<boolean> {
  return services.webhooks.get(tenant, id).then(() => true, (err: unknown) => {
    if (isCode(err, 'RELAIS_ERR_NOT_FOUND')) return false;
    throw err;
  });
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Writes the checked file; failures the checks cannot foresee (an id another tenant's webhook has) are counted, not thrown. */
async function write(file: ImportFile, services: Services): Promise<Summary> {
  const summary: Summary = {
    event_types: { created: [], updated: [] },
    tenants: { created: [], export_key_updated: [], kept: [] },
    webhooks: { created: [], skipped: [], failed: [] },
  };
  for (const { entry } of file.eventTypes) {
    const { created } = await services.eventTypes.upsert(entry);
    summary.event_types[created ? 'created' : 'updated'].push(entry.name);
  }
  for (const { at, entry } of file.tenants) {
    try {
      await services.tenants.create(entry);
      summary.tenants.created.push(entry.id);
      continue;
    } catch (err) {
      if (!isCode(err, 'RELAIS_ERR_CONFLICT')) throw err;
    }
    // An existing tenant keeps its name and emails: only the export key, which audit bodies carry, is brought in.
    const current = await services.tenants.get(entry.id);
    if (entry.export_key !== undefined && entry.export_key !== current.exportKey) {
      await services.tenants.update(entry.id, { export_key: entry.export_key });
      summary.tenants.export_key_updated.push(entry.id);
      note(`${at}: tenant "${entry.id}" exists: its export_key is updated, the rest kept as it is`);
    } else {
      summary.tenants.kept.push(entry.id);
      note(`${at}: tenant "${entry.id}" exists: kept as it is`);
    }
  }
  for (const { at, entry } of file.webhooks) {
    const name = `${entry.tenant}/${entry.id}`;
    try {
      await services.webhooks.create(entry.tenant, webhookInput(entry));
      summary.webhooks.created.push(name);
    } catch (err) {
      if (!isCode(err, 'RELAIS_ERR_CONFLICT')) throw err;
      if (await hasWebhook(services, entry.tenant, entry.id)) {
        summary.webhooks.skipped.push(name);
        note(`${at}: webhook "${entry.id}" already exists in tenant "${entry.tenant}": skipped (not compared, not changed)`);
      } else {
        summary.webhooks.failed.push(name);
        note(`${at}.id: "${entry.id}" is the id of another tenant's webhook: not imported`);
      }
    }
  }
  return summary;
}

export async function importFile(path: string): Promise<void> {
  const { file, problems } = parseImportFile(await readJson(path));
  const refuse = (list: { field: string; message: string }[]): Error =>
    new Error(`${path}: nothing imported:\n${inFileOrder(list).map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);

  const config = loadConfig();
  requireExistingDatabase(config, 'import');
  const store = openStore(config);
  try {
    await store.migrate();
    const deps = { config, now: Date.now, wake: () => store.dueSignal.notify(), log: createLogger('warn'), templates: createTemplateRenderer() };
    // The entries that parsed are checked too, so that one run names every problem.
    problems.push(...(await checkImport(file, createServices({ ...deps, store: withImportedCatalog(store, file.eventTypes.map((t) => t.entry), Date.now()) }))));
    if (problems.length) throw refuse(problems);
    const summary = await write(file, createServices({ ...deps, store }));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.webhooks.failed.length) throw new Error(`${summary.webhooks.failed.length} webhook(s) not imported: ${summary.webhooks.failed.join(', ')}`);
  } catch (err) {
    if (err instanceof RelaisError) throw new Error(err.message);
    throw err;
  } finally {
    await store.close();
  }
}

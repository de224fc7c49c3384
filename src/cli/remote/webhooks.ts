// `relais webhooks list | create | get | enable | disable | delete | secret`: a tenant's webhooks.
import type { Webhook, WebhookIn } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { checkJson, list, readValue } from './input.ts';
import { cell, note, paint, print, table } from './output.ts';
import { UsageError } from './usage-error.ts';

function rows(hooks: readonly Webhook[]): string[] {
  return table(['ID', 'STATE', 'URL', 'EVENTS', 'DESCRIPTION'],
    hooks.map((w) => [w.id, w.enabled ? paint('green', 'enabled') : paint('yellow', 'disabled'), w.url, w.events.join(','), cell(w.description)]));
}

export async function listWebhooks(tenant: string, options: RemoteOptions): Promise<void> {
  const hooks = await clientOf(options).webhooks.list(tenant);
  print(options, { data: hooks }, () => rows(hooks));
}

export async function getWebhook(tenant: string, webhook: string, options: RemoteOptions): Promise<void> {
  const hook = await clientOf(options).webhooks.get(tenant, webhook);
  print(options, hook, () => rows([hook]));
}

export interface CreateOptions extends RemoteOptions {
  target?: string;
  events?: string;
  description?: string;
  id?: string;
  secret?: string;
  disabled?: boolean;
  body?: string;
}

/** The body: `--body` (JSON, `@file` or `@-`) with the flags given laid over it. */
async function webhookIn(options: CreateOptions): Promise<WebhookIn> {
  const base = options.body === undefined ? {} : checkJson(await readValue(options.body), '--body');
  if (base === null || typeof base !== 'object' || Array.isArray(base)) throw new UsageError('--body must be a JSON object (the body of POST /v1/tenants/:tenant/webhooks)');
  const input = {
    ...base,
    ...(options.target === undefined ? {} : { url: options.target }),
    ...(options.events === undefined ? {} : { events: list(options.events) }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.secret === undefined ? {} : { secret: options.secret }),
    ...(options.disabled ? { enabled: false } : {}),
  } as Partial<WebhookIn>;
  if (input.url === undefined) throw new UsageError('--target is required: where deliveries go (or a url in --body)');
  if (input.events === undefined) throw new UsageError('--events is required, e.g. --events invoice.paid,order.* (or events in --body)');
  return input as WebhookIn;
}

export async function createWebhook(tenant: string, options: CreateOptions): Promise<void> {
  const hook = await clientOf(options).webhooks.create(tenant, await webhookIn(options));
  print(options, hook, () => [`created ${hook.id} → ${hook.url} (${hook.events.join(',')})`, `secret: ${hook.secret}`]);
  note(options, 'give the receiver its secret now: `relais webhooks secret` shows it again');
}

export async function setEnabled(tenant: string, webhook: string, enabled: boolean, options: RemoteOptions): Promise<void> {
  const relais = clientOf(options);
  const hook = enabled ? await relais.webhooks.enable(tenant, webhook) : await relais.webhooks.disable(tenant, webhook);
  print(options, hook, () => `${hook.id} ${hook.enabled ? 'enabled' : 'disabled'}`);
}

export async function deleteWebhook(tenant: string, webhook: string, options: RemoteOptions): Promise<void> {
  await clientOf(options).webhooks.delete(tenant, webhook);
  print(options, { deleted: webhook }, () => `deleted ${webhook}`);
}

export async function webhookSecret(tenant: string, webhook: string, options: RemoteOptions): Promise<void> {
  const secret = await clientOf(options).webhooks.secret(tenant, webhook);
  print(options, { secret }, () => secret);
}

// `relais tenants list | create | get`: the product's customers.
import type { Tenant, TenantPage } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { positiveInt } from './input.ts';
import { cell, print, table } from './output.ts';

function rows(tenants: readonly Tenant[]): string[] {
  return table(['ID', 'NAME', 'NOTIFY', 'CREATED'], tenants.map((t) => [t.id, t.name, cell(t.notify_emails.join(',')), t.created_at]));
}

export interface ListOptions extends RemoteOptions {
  limit?: string;
  after?: string;
  all?: boolean;
}

export async function listTenants(options: ListOptions): Promise<void> {
  const relais = clientOf(options);
  const limit = options.limit === undefined ? undefined : positiveInt(options.limit, '--limit');
  if (options.all) {
    const all: Tenant[] = [];
    for await (const tenant of relais.tenants.all(limit === undefined ? {} : { limit })) all.push(tenant);
    const page: TenantPage = { data: all, next_cursor: null };
    print(options, page, () => rows(all));
    return;
  }
  const page = await relais.tenants.list({ ...(limit === undefined ? {} : { limit }), ...(options.after === undefined ? {} : { after: options.after }) });
  print(options, page, () => [...rows(page.data), ...(page.next_cursor ? [`more: --after ${page.next_cursor} (or --all)`] : [])]);
}

export interface CreateOptions extends RemoteOptions {
  name?: string;
  notifyEmail?: string[];
  exportKey?: string;
}

export async function createTenant(id: string, options: CreateOptions): Promise<void> {
  const tenant = await clientOf(options).tenants.create({
    id, name: options.name ?? id,
    ...(options.notifyEmail ? { notify_emails: options.notifyEmail } : {}),
    ...(options.exportKey === undefined ? {} : { export_key: options.exportKey }),
  });
  print(options, tenant, () => `created tenant ${tenant.id} (${tenant.name})`);
}

export async function getTenant(id: string, options: RemoteOptions): Promise<void> {
  const tenant = await clientOf(options).tenants.get(id);
  print(options, tenant, () => rows([tenant]));
}

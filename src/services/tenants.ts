import { errors } from '../core/errors.ts';
import type { Tenant } from '../core/model.ts';
import type { Page } from '../store/store.ts';
import { newId } from '../ids.ts';
import type { TenantIn, TenantPatch } from '../schemas/tenants.ts';
import type { ServiceDeps } from './deps.ts';

// Tenants are never deleted, so once seen a tenant id stays valid: the check every tenant route
// makes (api/auth.ts) is answered from memory after the first time.
const KNOWN_MAX = 10_000;

export function tenantService({ store, now }: ServiceDeps) {
  const known = new Set<string>();
  return {
    async create(input: TenantIn): Promise<Tenant> {
      const id = input.id ?? newId('tnt');
      const tenant = await store.tenants.create({ id, name: input.name, notifyEmails: input.notify_emails ?? [], exportKey: input.export_key ?? null }, now());
      if (!tenant) throw errors.conflict(`tenant "${id}" already exists`, 'id');
      return tenant;
    },
    /** Throws not-found unless the tenant exists. */
    async mustExist(id: string): Promise<void> {
      if (known.has(id)) return;
      if (!(await store.tenants.get(id))) throw errors.notFound('tenant', id);
      if (known.size >= KNOWN_MAX) known.clear();
      known.add(id);
    },
    /** For the admin's tenant picker: tenants by id, a page at a time. */
    list: (query: { after?: string | undefined; limit: number }): Promise<Page<Tenant>> => store.tenants.list(query),
    async update(id: string, patch: TenantPatch): Promise<Tenant> {
      const tenant = await store.tenants.update(id, { name: patch.name, notifyEmails: patch.notify_emails, exportKey: patch.export_key });
      if (!tenant) throw errors.notFound('tenant', id);
      return tenant;
    },
    async get(id: string): Promise<Tenant> {
      const tenant = await store.tenants.get(id);
      if (!tenant) throw errors.notFound('tenant', id);
      return tenant;
    },
  };
}
export type TenantService = ReturnType<typeof tenantService>;

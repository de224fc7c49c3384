import { errors } from '../core/errors.ts';
import type { Tenant } from '../core/model.ts';
import { newId } from '../ids.ts';
import type { TenantIn } from '../schemas/tenants.ts';
import type { ServiceDeps } from './deps.ts';

export function tenantService({ store, now }: ServiceDeps) {
  return {
    async create(input: TenantIn): Promise<Tenant> {
      const id = input.id ?? newId('tnt');
      const tenant = await store.tenants.create({ id, name: input.name, notifyEmails: input.notify_emails ?? [] }, now());
      if (!tenant) throw errors.conflict(`tenant "${id}" already exists`, 'id');
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

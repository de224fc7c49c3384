// What every screen of a signed-in tenant may use: its API, its catalog, its session.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { TenantApi } from './api/endpoints.ts';
import type { EventType } from './api/types.ts';
import type { Session } from './session.ts';

export interface TenantContext {
  api: TenantApi;
  session: Session;
  /** The event catalog, loaded once per tenant; empty until it arrives (catalogLoaded). */
  catalog: EventType[];
  catalogLoaded: boolean;
  reloadCatalog: () => void;
}

export const Tenant = createContext<TenantContext | null>(null);

export function useTenant(): TenantContext {
  const ctx = useContext(Tenant);
  if (!ctx) throw new Error('useTenant outside a signed-in tenant');
  return ctx;
}

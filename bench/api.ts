// The harness as a client of Relais' HTTP API: setting up tenants, types and webhooks with the
// admin token, and sending events (one per request, or in batches).
import { Pool } from 'undici';

export const ADMIN_TOKEN = 'rls_bench_admin_token_0123456789';
export const EVENT_TYPE = 'bench.event';
/** Filler that makes an event's data about 200 bytes. */
const FILLER = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(3).slice(0, 180);

/** An event's data: `n` first, which is what the receiver reads back from the delivered body. */
export const eventData = (n: number): { n: number; payload: string } => ({ n, payload: FILLER });

export interface Api {
  call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, expect: number | readonly number[]): Promise<T>;
  /** POST one event; resolves with how many deliveries it made. */
  send(tenant: string, n: number, idPrefix: string): Promise<number>;
  /** POST a batch of events numbered from..to-1; resolves with the deliveries they made. */
  sendBatch(tenant: string, from: number, to: number, idPrefix: string): Promise<number>;
  close(): Promise<void>;
}

export function createApi(url: string, connections: number): Api {
  const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, expect: number | readonly number[]): Promise<T> {
    const res = await pool.request({ path, method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.body.text();
    if (!([] as number[]).concat(expect).includes(res.statusCode)) throw new Error(`${method} ${path} answered ${res.statusCode} (expected ${expect}): ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T; // a 204 has no body
  }
  const event = (n: number, idPrefix: string) => ({ type: EVENT_TYPE, id: `${idPrefix}-${n}`, data: eventData(n) });
  return {
    call,
    send: async (tenant, n, idPrefix) => (await call<{ deliveries: number }>('POST', `/v1/tenants/${tenant}/events`, event(n, idPrefix), 202)).deliveries,
    sendBatch: async (tenant, from, to, idPrefix) => {
      const events = Array.from({ length: to - from }, (_, i) => event(from + i, idPrefix));
      const res = await call<{ events: { deliveries: number }[] }>('POST', `/v1/tenants/${tenant}/events/batch`, { events }, 202);
      return res.events.reduce((sum, e) => sum + e.deliveries, 0);
    },
    close: () => pool.close(),
  };
}

/** A tenant whose `webhooks` webhooks all subscribe to the bench type and point at the receiver; `settings` join each webhook. */
export async function setUpTenant(api: Api, tenant: string, receiverUrl: string, webhooks: number, type = EVENT_TYPE, settings: Record<string, unknown> = {}): Promise<void> {
  await api.call('POST', '/v1/tenants', { id: tenant, name: `bench ${tenant}` }, 201);
  await api.call('POST', '/v1/event-types', { name: type, description: 'A benchmark event' }, [200, 201]);
  let next = 0;
  const creator = async (): Promise<void> => {
    while (next < webhooks) {
      const i = next++;
      await api.call('POST', `/v1/tenants/${tenant}/webhooks`, { url: `${receiverUrl}/${tenant}/${i}`, events: [type], ...settings }, 201);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, webhooks) }, creator));
}

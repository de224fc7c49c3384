// Starts a real Relais (API on a free loopback port, dispatcher running) on one engine, with a
// fast retry schedule and loopback allowed as a delivery target.
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { startReceiver, type Receiver } from './receiver.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createRelais, type Relais } from '../../src/main.ts';
import type { Engine } from '../../src/store/store.ts';
import { makeEngine, type EngineFixture } from './engines.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestRelais {
  engine: Engine;
  fixture: EngineFixture;
  relais: Relais;
  url: string;
  /** Everything Relais logged, one JSON line each. */
  logs: string[];
  call<T = unknown>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

export function testEnv(fixture: EngineFixture, env: Record<string, string> = {}): Record<string, string> {
  return {
    RELAIS_PORT: '0',
    RELAIS_ADMIN_TOKEN: ADMIN_TOKEN,
    RELAIS_ALLOW_TARGETS: '127.0.0.0/8',
    RELAIS_RETRY_SCHEDULE: '0,50ms,50ms',
    RELAIS_REQUEST_TIMEOUT: '2s',
    RELAIS_LOG_LEVEL: 'info',
    ...(fixture.databaseUrl ? { DATABASE_URL: fixture.databaseUrl } : { RELAIS_DB: fixture.sqlitePath }),
    ...env,
  };
}

export async function startRelais(engine: Engine, env: Record<string, string> = {}, fixture?: EngineFixture): Promise<TestRelais> {
  const fx = fixture ?? (await makeEngine(engine));
  const config: Config = loadConfig(testEnv(fx, env));
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)); done(); } });
  const relais = await createRelais(config, createLogger(config.logLevel, sink));
  const url = (await relais.start())!;
  return {
    engine, fixture: fx, relais, url, logs,
    async call(method, path, body, token = ADMIN_TOKEN) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch { /* not JSON: keep the text */ }
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
    async close() {
      await relais.stop(1_000);
      if (!fixture) await fx.dispose();
    },
  };
}

/** A tenant, an event type and a webhook to the given URL: the usual start of a test. */
export async function seed(t: TestRelais, url: string, opts: { tenant?: string; type?: string; webhook?: Record<string, unknown> } = {}) {
  const tenant = opts.tenant ?? 'acme';
  const type = opts.type ?? 'order.paid';
  await t.call('POST', '/v1/tenants', { id: tenant, name: tenant });
  await t.call('POST', '/v1/event-types', { name: type, example: { order: 1 } });
  const res = await t.call<{ id: string; secret: string }>('POST', `/v1/tenants/${tenant}/webhooks`, { url, events: [type], ...opts.webhook });
  if (res.status !== 201) throw new Error(`seed webhook: ${res.status} ${JSON.stringify(res.body)}`);
  return { tenant, type, webhook: res.body };
}

/**
 * The usual suite set-up: a Relais on `engine` and a loopback receiver, started before the
 * suite's tests and stopped after them. Read `t` and `receiver` inside tests.
 */
export function relaisWithReceiver(engine: Engine, env: Record<string, string> = {}): { t: TestRelais; receiver: Receiver } {
  const suite = {} as { t: TestRelais; receiver: Receiver };
  before(async () => {
    suite.t = await startRelais(engine, env);
    suite.receiver = await startReceiver();
  });
  after(async () => {
    await suite.t.close();
    await suite.receiver.close();
  });
  return suite;
}

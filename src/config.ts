// The only reader of process.env. Everything else is handed a Config.
import { randomUUID } from 'node:crypto';
import { parseDurationMs } from './core/duration.ts';
import { DEFAULT_SCHEDULE_MS } from './core/retry.ts';

export interface Config {
  port: number;
  host: string;
  sqlitePath: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  /** The address users reach the page at (behind a proxy), for sign-in links; else taken from each request. */
  publicUrl: string | undefined;
  allowTargets: string[];
  encryptionKey: string | undefined;
  requestTimeoutMs: number;
  retryScheduleMs: number[];
  smtpUrl: string | undefined;
  mailFrom: string;
  /** How long a claimed delivery stays leased before another worker may take it again. */
  leaseMs: number;
  /** How long an idle worker sleeps before looking for work other processes queued (PostgreSQL also wakes it by NOTIFY). */
  pollMs: number;
  /** Auto-disable: this many failed attempts in a row, failing for at least this long. */
  disableAfterFailures: number;
  disableAfterMs: number;
  /** After a secret rotation, how long the previous secret keeps signing beside the new one. */
  secretOverlapMs: number;
  /** On SIGTERM, how long deliveries in flight may finish before they are aborted and released. */
  shutdownGraceMs: number;
  /** Default cap of requests in flight at once to one webhook, per process. */
  webhookConcurrency: number;
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /**
   * Slots no tenant may borrow beyond its guarantee (dispatcher/tenant-shares.ts): kept for other
   * tenants however long one tenant's requests hang. 0: slots go first come, first served.
   */
  tenantReserve: number;
  /** Slots any tenant may hold, from the reserve if need be. */
  tenantGuarantee: number;
  /** Which parts this process runs: the API (and page), the dispatcher, or both. */
  roles: { api: boolean; worker: boolean };
  /** With both roles: the dispatcher runs in a thread of its own, so the API and deliveries use two cores. */
  dispatchThread: boolean;
  /**
   * Ingest stores fresh deliveries already leased to this process's idle dispatcher and hands them
   * over, rather than have it claim them (dispatcher/ingest-leasing.ts); off to compare.
   */
  handOff: boolean;
  /**
   * Tells this process apart from others sharing the database: its threads ignore its own
   * NOTIFYs (they wake each other in-process). Made at start, never read from the environment.
   */
  processId: string;
  logLevel: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function intVar(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function durationVar(env: Env, name: string, fallback: string): number {
  try {
    return parseDurationMs(env[name] || fallback);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

function urlVar(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be on or off, got "${env[name]}"`);
}

function listVar(env: Env, name: string): string[] {
  return (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function loadConfig(env: Env = process.env): Config {
  const requestTimeoutMs = durationVar(env, 'RELAIS_REQUEST_TIMEOUT', '15s');
  const concurrency = intVar(env, 'RELAIS_CONCURRENCY', 128, 1);
  // An eighth of the slots (16 of 128), with room in it for four tenants' guarantees.
  const tenantReserve = intVar(env, 'RELAIS_TENANT_RESERVE', Math.min(Math.ceil(concurrency / 8), concurrency - 1), 0);
  if (tenantReserve >= concurrency) throw new Error(`RELAIS_TENANT_RESERVE must be below RELAIS_CONCURRENCY (${concurrency}), got "${tenantReserve}"`);
  const schedule = listVar(env, 'RELAIS_RETRY_SCHEDULE');
  const leaseMs = durationVar(env, 'RELAIS_LEASE', env.DATABASE_URL ? '10s' : '4s');
  if (leaseMs < 1_000) throw new Error(`RELAIS_LEASE must be at least 1s (it is renewed every third of it), got "${env.RELAIS_LEASE}"`);
  const roles = listVar(env, 'RELAIS_ROLES');
  return {
    port: intVar(env, 'RELAIS_PORT', 8080, 0),
    host: env.RELAIS_HOST || '127.0.0.1',
    sqlitePath: env.RELAIS_DB || './relais.db',
    databaseUrl: env.DATABASE_URL || undefined,
    adminToken: env.RELAIS_ADMIN_TOKEN || undefined,
    publicUrl: urlVar(env, 'RELAIS_PUBLIC_URL'),
    allowTargets: listVar(env, 'RELAIS_ALLOW_TARGETS'),
    encryptionKey: env.RELAIS_ENCRYPTION_KEY || undefined,
    requestTimeoutMs,
    retryScheduleMs: schedule.length
      ? schedule.map((d, i) => {
        try {
          return parseDurationMs(d);
        } catch (err) {
          throw new Error(`RELAIS_RETRY_SCHEDULE[${i}]: ${(err as Error).message}`);
        }
      })
      : [...DEFAULT_SCHEDULE_MS],
    smtpUrl: env.RELAIS_SMTP_URL || undefined,
    mailFrom: env.RELAIS_MAIL_FROM || 'relais@localhost',
    // Renewed every third of it while the worker lives (dispatcher/lease-keeper.ts): how soon a
    // dead worker's deliveries are taken back. SQLite's writes are local and cheap: shorter there.
    leaseMs,
    pollMs: durationVar(env, 'RELAIS_POLL_INTERVAL', '1s'),
    disableAfterFailures: intVar(env, 'RELAIS_DISABLE_AFTER_FAILURES', 20, 1),
    disableAfterMs: durationVar(env, 'RELAIS_DISABLE_AFTER', '24h'),
    secretOverlapMs: durationVar(env, 'RELAIS_SECRET_OVERLAP', '24h'),
    shutdownGraceMs: durationVar(env, 'RELAIS_SHUTDOWN_GRACE', '10s'),
    concurrency,
    tenantReserve,
    tenantGuarantee: intVar(env, 'RELAIS_TENANT_GUARANTEE', Math.max(1, Math.ceil(tenantReserve / 4)), 1),
    webhookConcurrency: intVar(env, 'RELAIS_WEBHOOK_CONCURRENCY', 64, 1),
    roles: roles.length ? { api: roles.includes('api'), worker: roles.includes('worker') } : { api: true, worker: true },
    dispatchThread: boolVar(env, 'RELAIS_DISPATCH_THREAD', true),
    handOff: boolVar(env, 'RELAIS_HANDOFF', true),
    processId: randomUUID(),
    logLevel: env.RELAIS_LOG_LEVEL || 'info',
  };
}

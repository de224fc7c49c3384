// The only reader of process.env. Everything else is handed a Config. Every variable is checked
// at start against one schema (SETTINGS): a bad value or an unknown RELAIS_* name (a typo) stops
// the start, every problem named, rather than run half-configured or fail later elsewhere.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { cidrs, duration, durations, httpUrl, int, oneOf, onOff, postgresUrl, smtpUrl, someOf, text } from './config-values.ts';
import { MAX_RETRY_DELAY_MS, MAX_TOKEN_TTL_MS, parseDurationMs } from './core/duration.ts';
import { DEFAULT_SCHEDULE_MS } from './core/retry.ts';

export { ConfigError } from './config-error.ts';

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
  /** `relais rotate-key` only: the key to re-seal every sealed value under (RELAIS_NEW_ENCRYPTION_KEY). */
  newEncryptionKey: string | undefined;
  /** Lifetime of a tenant token made without `expires_in` (undefined: it does not expire). */
  tokenTtlMs: number | undefined;
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
  /** How long finished deliveries, their attempts and unreferenced events are kept (0: for ever); pruned by workers. */
  retentionMs: number;
  /** How often a worker runs a pruning pass (jittered). */
  pruneIntervalMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const ms = parseDurationMs;
const ROLES = ['api', 'worker'] as const;

/**
 * Every variable Relais reads, one entry each: its kind and bounds (config-values.ts), its
 * default, what it is for. The README's configuration table lists the same names
 * (config.test.ts checks it). A default that depends on another variable is said in the
 * description and computed in loadConfig.
 */
export const SETTINGS = z.strictObject({
  RELAIS_PORT: int({ min: 0, max: 65_535 }).default(8080).describe('port the API and the page listen on (0: any free port)'),
  RELAIS_HOST: text().default('127.0.0.1').describe('address the API and the page listen on'),
  RELAIS_PUBLIC_URL: httpUrl().describe('address users reach the page at (behind a proxy), for sign-in links; unset: each request\'s own'),
  RELAIS_DB: text().default('./relais.db').describe('SQLite file, from the current directory, used while DATABASE_URL is unset'),
  DATABASE_URL: postgresUrl().describe('PostgreSQL to store in instead of SQLite'),
  RELAIS_ADMIN_TOKEN: text().describe('the admin bearer token; unset: generated on first start'),
  RELAIS_ALLOW_TARGETS: cidrs().default(() => []).describe('IPs and CIDRs deliveries may reach despite the SSRF guard'),
  RELAIS_ENCRYPTION_KEY: text().describe('passphrase that encrypts webhook secrets at rest; unset: stored plain'),
  RELAIS_NEW_ENCRYPTION_KEY: text().describe('`relais rotate-key` only: the key to re-seal every sealed value under'),
  RELAIS_TOKEN_TTL: duration({ minMs: ms('1s'), maxMs: MAX_TOKEN_TTL_MS }).describe('lifetime of a tenant token made without expires_in; unset: no expiry'),
  RELAIS_REQUEST_TIMEOUT: duration({ minMs: 1 }).default(ms('15s')).describe('per-request delivery timeout'),
  RELAIS_RETRY_SCHEDULE: durations({ maxMs: MAX_RETRY_DELAY_MS, most: 30 }).default(() => [...DEFAULT_SCHEDULE_MS]).describe('delays before each attempt, comma-separated'),
  // Renewed every third of it while the worker lives (dispatcher/lease-keeper.ts): how soon a
  // dead worker's deliveries are taken back. SQLite's writes are local and cheap: shorter there.
  RELAIS_LEASE: duration({ minMs: ms('1s') }).describe('how long a claimed delivery stays leased without news of it; default 10s on PostgreSQL, 4s on SQLite'),
  RELAIS_POLL_INTERVAL: duration({ minMs: 1 }).default(ms('1s')).describe('how long an idle worker sleeps before looking for work other processes queued'),
  RELAIS_SHUTDOWN_GRACE: duration().default(ms('10s')).describe('on SIGTERM, how long deliveries in flight may finish'),
  RELAIS_CONCURRENCY: int({ min: 1 }).default(128).describe('deliveries in flight at once per process'),
  RELAIS_TENANT_RESERVE: int({ min: 0 }).describe('slots a tenant holding its guarantee may not take, below RELAIS_CONCURRENCY; default an eighth of it'),
  RELAIS_TENANT_GUARANTEE: int({ min: 1 }).describe('slots any tenant may take, from the reserve if need be; default a quarter of the reserve, at least 1'),
  RELAIS_WEBHOOK_CONCURRENCY: int({ min: 1 }).default(64).describe('default cap of requests in flight to one webhook, per process'),
  RELAIS_DISABLE_AFTER_FAILURES: int({ min: 1 }).default(20).describe('failed attempts in a row before a webhook is disabled'),
  RELAIS_DISABLE_AFTER: duration().default(ms('24h')).describe('…and failing for at least this long (0: on the count alone)'),
  RELAIS_SECRET_OVERLAP: duration().default(ms('24h')).describe('after a secret rotation, how long the previous secret keeps signing too'),
  RELAIS_SMTP_URL: smtpUrl().describe('SMTP server for notices; unset: notices are logged and kept on the tenant'),
  RELAIS_MAIL_FROM: text().default('relais@localhost').describe('sender of notices'),
  RELAIS_ROLES: someOf(ROLES).default(() => [...ROLES]).describe('which parts this process runs'),
  RELAIS_DISPATCH_THREAD: onOff().default(true).describe('with both roles, run the dispatcher in a thread of its own'),
  RELAIS_HANDOFF: onOff().default(true).describe('hand fresh deliveries to this process\'s idle dispatcher already leased'),
  RELAIS_RETENTION: duration().default(ms('30d')).describe('how long finished deliveries, their attempts and events no delivery refers to are kept (0: for ever)'),
  RELAIS_PRUNE_INTERVAL: duration({ minMs: 100 }).default(ms('1m')).describe('how often each worker process runs a pruning pass (jittered)'),
  RELAIS_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const).default('info').describe('pino log level'),
});

/** The names of settings, for a typo's nearest one. */
const NAMES = Object.keys(SETTINGS.shape);

/** The known name a typo most likely meant (RELAIS_ROLE → RELAIS_ROLES), if one is close. */
function nearest(name: string): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  const tail = (n: string): string => n.replace(/^RELAIS_/, '');
  const typed = tail(name);
  const scored = NAMES.map((known) => ({ known, d: distance(typed, tail(known)) }))
    // Close in spelling for its length, or one name inside the other (RELAIS_TIMEOUT, RELAIS_DATABASE_URL).
    .filter(({ known, d }) => d <= Math.max(1, Math.floor(typed.length / 3)) || (typed.length >= 4 && (known.includes(typed) || name.includes(tail(known)))));
  return scored.sort((a, b) => a.d - b.d)[0]?.known;
}

function problemLines(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [`${String(issue.path[0])}: ${issue.message}`];
    return issue.keys.map((name) => {
      const near = nearest(name);
      return `${name}: not a Relais setting (${near ? `did you mean ${near}?` : 'see the README\'s configuration table'})`;
    });
  });
}

/**
 * Reads RELAIS_* and DATABASE_URL from `env` (the rest of the environment is not ours). Throws a
 * ConfigError listing every bad or unknown variable, one line each.
 */
export function loadConfig(env: Env = process.env): Config {
  const ours = Object.entries(env).filter(([name, value]) => value !== undefined && (name.startsWith('RELAIS_') || name === 'DATABASE_URL'));
  const parsed = SETTINGS.safeParse(Object.fromEntries(ours));
  if (!parsed.success) throw new ConfigError(problemLines(parsed.error));
  const s = parsed.data;

  const concurrency = s.RELAIS_CONCURRENCY;
  // An eighth of the slots (16 of 128), with room in it for four tenants' guarantees.
  const tenantReserve = s.RELAIS_TENANT_RESERVE ?? Math.min(Math.ceil(concurrency / 8), concurrency - 1);
  if (tenantReserve >= concurrency) throw new ConfigError([`RELAIS_TENANT_RESERVE: "${tenantReserve}" is not below RELAIS_CONCURRENCY (${concurrency})`]);
  return {
    port: s.RELAIS_PORT,
    host: s.RELAIS_HOST,
    sqlitePath: s.RELAIS_DB,
    databaseUrl: s.DATABASE_URL,
    adminToken: s.RELAIS_ADMIN_TOKEN,
    publicUrl: s.RELAIS_PUBLIC_URL,
    allowTargets: s.RELAIS_ALLOW_TARGETS,
    encryptionKey: s.RELAIS_ENCRYPTION_KEY,
    newEncryptionKey: s.RELAIS_NEW_ENCRYPTION_KEY,
    tokenTtlMs: s.RELAIS_TOKEN_TTL,
    requestTimeoutMs: s.RELAIS_REQUEST_TIMEOUT,
    retryScheduleMs: s.RELAIS_RETRY_SCHEDULE,
    smtpUrl: s.RELAIS_SMTP_URL,
    mailFrom: s.RELAIS_MAIL_FROM,
    leaseMs: s.RELAIS_LEASE ?? ms(s.DATABASE_URL ? '10s' : '4s'),
    pollMs: s.RELAIS_POLL_INTERVAL,
    disableAfterFailures: s.RELAIS_DISABLE_AFTER_FAILURES,
    disableAfterMs: s.RELAIS_DISABLE_AFTER,
    secretOverlapMs: s.RELAIS_SECRET_OVERLAP,
    shutdownGraceMs: s.RELAIS_SHUTDOWN_GRACE,
    concurrency,
    tenantReserve,
    tenantGuarantee: s.RELAIS_TENANT_GUARANTEE ?? Math.max(1, Math.ceil(tenantReserve / 4)),
    webhookConcurrency: s.RELAIS_WEBHOOK_CONCURRENCY,
    roles: { api: s.RELAIS_ROLES.includes('api'), worker: s.RELAIS_ROLES.includes('worker') },
    dispatchThread: s.RELAIS_DISPATCH_THREAD,
    handOff: s.RELAIS_HANDOFF,
    processId: randomUUID(),
    logLevel: s.RELAIS_LOG_LEVEL,
    retentionMs: s.RELAIS_RETENTION,
    pruneIntervalMs: s.RELAIS_PRUNE_INTERVAL,
  };
}

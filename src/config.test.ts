// Reading the environment: defaults, the switches this file adds, and bad values named.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, SETTINGS } from './config.ts';

/** The problems loadConfig names for `env`, one line each (none: it loaded). */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    return [...err.problems];
  }
}

describe('config', () => {
  it('runs the dispatcher in its own thread unless told not to', () => {
    assert.equal(loadConfig({}).dispatchThread, true);
    for (const off of ['off', 'false', '0', 'NO']) assert.equal(loadConfig({ RELAIS_DISPATCH_THREAD: off }).dispatchThread, false, off);
    for (const on of ['on', 'true', '1', 'yes']) assert.equal(loadConfig({ RELAIS_DISPATCH_THREAD: on }).dispatchThread, true, on);
  });

  it('names a variable whose value it cannot read', () => {
    assert.throws(() => loadConfig({ RELAIS_DISPATCH_THREAD: 'sometimes' }), /RELAIS_DISPATCH_THREAD: "sometimes" is not on or off/);
    assert.throws(() => loadConfig({ RELAIS_CONCURRENCY: '0' }), /RELAIS_CONCURRENCY: "0" is not a whole number ≥ 1/);
  });

  it('keeps an eighth of the dispatcher\'s slots in reserve, with room for four tenants\' guarantees', () => {
    assert.deepEqual([loadConfig({}).tenantReserve, loadConfig({}).tenantGuarantee], [16, 4]);
    const small = loadConfig({ RELAIS_CONCURRENCY: '16' });
    assert.deepEqual([small.tenantReserve, small.tenantGuarantee], [2, 1]);
    assert.equal(loadConfig({ RELAIS_CONCURRENCY: '1' }).tenantReserve, 0);
    assert.equal(loadConfig({ RELAIS_TENANT_RESERVE: '0' }).tenantReserve, 0, 'off');
    assert.throws(() => loadConfig({ RELAIS_CONCURRENCY: '8', RELAIS_TENANT_RESERVE: '8' }), /RELAIS_TENANT_RESERVE: "8" is not below RELAIS_CONCURRENCY \(8\)/);
  });

  it('gives each process an id of its own, for its NOTIFYs', () => {
    assert.notEqual(loadConfig({}).processId, loadConfig({}).processId);
  });
});

describe('config: one schema, checked at start', () => {
  it('keeps the defaults integrations rely on', () => {
    const { processId, ...rest } = loadConfig({});
    assert.match(processId, /^[0-9a-f-]{36}$/);
    // Written out as they were before the schema (issue 19): a change here changes deployments.
    assert.deepEqual(rest, {
      port: 8080, host: '127.0.0.1', sqlitePath: './relais.db', databaseUrl: undefined, adminToken: undefined,
      publicUrl: undefined, allowTargets: [], encryptionKey: undefined, newEncryptionKey: undefined, tokenTtlMs: undefined,
      requestTimeoutMs: 15_000, retryScheduleMs: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      smtpUrl: undefined, mailFrom: 'relais@localhost', leaseMs: 4_000, pollMs: 1_000,
      disableAfterFailures: 20, disableAfterMs: 86_400_000, secretOverlapMs: 86_400_000, shutdownGraceMs: 10_000,
      webhookConcurrency: 64, concurrency: 128, tenantReserve: 16, tenantGuarantee: 4,
      roles: { api: true, worker: true }, dispatchThread: true, handOff: true, logLevel: 'info',
      retentionMs: 2_592_000_000, pruneIntervalMs: 60_000,
    });
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://relais@db/relais' }).leaseMs, 10_000, 'a longer lease on PostgreSQL');
  });

  it('takes an empty variable as unset, and reads each kind of value', () => {
    assert.deepEqual(loadConfig({ RELAIS_ROLES: '', RELAIS_PORT: '', DATABASE_URL: '', RELAIS_RETRY_SCHEDULE: ' , ' }).roles, { api: true, worker: true });
    const c = loadConfig({
      RELAIS_ROLES: ' worker ', RELAIS_PORT: '0', RELAIS_ALLOW_TARGETS: '127.0.0.0/8, ::1 ,10.0.0.5', RELAIS_PUBLIC_URL: 'https://hooks.example/relais//',
      RELAIS_RETRY_SCHEDULE: '0,50ms,1h', RELAIS_TOKEN_TTL: '30d', RELAIS_LOG_LEVEL: 'silent', RELAIS_SMTP_URL: 'smtps://u:p@mail.example:465',
    });
    assert.deepEqual(
      [c.roles, c.port, c.allowTargets, c.publicUrl, c.retryScheduleMs, c.tokenTtlMs, c.logLevel, c.smtpUrl],
      [{ api: false, worker: true }, 0, ['127.0.0.0/8', '::1', '10.0.0.5'], 'https://hooks.example/relais', [0, 50, 3_600_000], 30 * 86_400_000, 'silent', 'smtps://u:p@mail.example:465'],
    );
  });

  it('names the variable of each kind of bad value, and what is allowed', () => {
    const cases: [Record<string, string>, string][] = [
      [{ RELAIS_ROLES: 'web' }, 'RELAIS_ROLES: "web" is not one of api, worker (comma-separated)'],
      [{ RELAIS_ROLES: 'api,web,Worker' }, 'RELAIS_ROLES: "web", "Worker" are not one of api, worker (comma-separated)'],
      [{ RELAIS_PORT: '70000' }, 'RELAIS_PORT: "70000" is not a whole number from 0 to 65535'],
      [{ RELAIS_CONCURRENCY: '1.5' }, 'RELAIS_CONCURRENCY: "1.5" is not a whole number ≥ 1'],
      [{ RELAIS_TENANT_RESERVE: '-1' }, 'RELAIS_TENANT_RESERVE: "-1" is not a whole number ≥ 0'],
      [{ RELAIS_REQUEST_TIMEOUT: '15' }, 'RELAIS_REQUEST_TIMEOUT: invalid duration "15" (write e.g. 250ms, 5s, 5m, 2h, 5d)'],
      [{ RELAIS_LEASE: '500ms' }, 'RELAIS_LEASE: "500ms" is shorter than 1s'],
      [{ RELAIS_TOKEN_TTL: '2000d' }, 'RELAIS_TOKEN_TTL: "2000d" is longer than 1825d'],
      [{ RELAIS_RETRY_SCHEDULE: '0,5s,40d' }, 'RELAIS_RETRY_SCHEDULE: "40d" is longer than 30d'],
      [{ RELAIS_HANDOFF: 'maybe' }, 'RELAIS_HANDOFF: "maybe" is not on or off (or true/false, yes/no, 1/0)'],
      [{ RELAIS_LOG_LEVEL: 'verbose' }, 'RELAIS_LOG_LEVEL: "verbose" is not one of fatal, error, warn, info, debug, trace, silent'],
      [{ RELAIS_ALLOW_TARGETS: '127.0.0.0/8,10.0.0.0/33' }, 'RELAIS_ALLOW_TARGETS: "10.0.0.0/33" is not an IP address or CIDR (e.g. 10.0.0.5, 127.0.0.0/8, ::1)'],
      [{ RELAIS_PUBLIC_URL: 'hooks.example' }, 'RELAIS_PUBLIC_URL: "hooks.example" is not an http(s) URL'],
      [{ DATABASE_URL: 'mysql://relais:hunter2@db/relais' }, 'DATABASE_URL: "mysql://…" is not supported: write postgres://… or postgresql://… (or leave it unset for SQLite at RELAIS_DB)'],
      [{ DATABASE_URL: 'host=db password=hunter2' }, 'DATABASE_URL: not a URL: write postgres://… or postgresql://… (or leave it unset for SQLite at RELAIS_DB)'],
      [{ RELAIS_SMTP_URL: 'http://u:hunter2@mail.example' }, 'RELAIS_SMTP_URL: "http://…" is not supported: write smtp://… or smtps://… (e.g. smtp://user:pass@host:587)'],
    ];
    for (const [env, line] of cases) assert.deepEqual(problems(env), [line], JSON.stringify(env));
  });

  it('refuses an unknown RELAIS_ variable, naming the closest known one', () => {
    assert.deepEqual(problems({ RELAIS_ROLE: 'api' }), ['RELAIS_ROLE: not a Relais setting (did you mean RELAIS_ROLES?)']);
    assert.deepEqual(problems({ RELAIS_CONCURENCY: '8' }), ['RELAIS_CONCURENCY: not a Relais setting (did you mean RELAIS_CONCURRENCY?)']);
    assert.deepEqual(problems({ RELAIS_DATABASE_URL: 'postgres://db/x' }), ['RELAIS_DATABASE_URL: not a Relais setting (did you mean DATABASE_URL?)']);
    assert.deepEqual(problems({ RELAIS_FOO: '1' }), ['RELAIS_FOO: not a Relais setting (see the README\'s configuration table)']);
    assert.deepEqual(problems({ HOME: '/root', PATH: '/bin', NODE_ENV: 'production' }), [], 'the rest of the environment is not ours');
  });

  it('lists every bad variable, one line each, and never repeats a password', () => {
    const lines = problems({ RELAIS_ROLES: 'web', RELAIS_PORT: 'http', RELAIS_ROLE: 'api', DATABASE_URL: 'mysql://relais:hunter2@db/relais' });
    assert.deepEqual(lines.map((l) => l.split(':')[0]), ['RELAIS_PORT', 'DATABASE_URL', 'RELAIS_ROLES', 'RELAIS_ROLE']);
    assert.ok(lines.every((l) => !l.includes('\n') && !l.includes('hunter2')));
  });

  it('declares each setting with a description, and the README\'s table lists exactly them', () => {
    for (const [name, schema] of Object.entries(SETTINGS.shape)) assert.ok(schema.description, `${name} has a description`);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = /\n## Configuration\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    const inTable = section.split('\n').filter((l) => l.startsWith('| `'))
      .flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!));
    assert.deepEqual([...new Set(inTable)].sort(), Object.keys(SETTINGS.shape).sort());
  });
});

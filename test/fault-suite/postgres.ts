// The PostgreSQL half: 1 api and 3 worker processes on the suite's own cluster, 20,000 events
// sent through the API while a worker is SIGKILLed, PostgreSQL is restarted, then stopped for
// 20 s. Nothing accepted may be lost, no process may die, the API may only say 503 (with
// Retry-After) while the database is away, and delivery must resume after it comes back.
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { join } from 'node:path';
import { AnswerLog, call, Phases, sendEvents } from './client.ts';
import { createCluster, type Cluster } from './cluster.ts';
import { addLogTails, ADMIN_TOKEN, checkAnswers, checkProcesses, EVENT_TYPE, eventKeys, failedRequestReasons, freeLoopbackPort, HOOKS, relaisEnv, seed, TENANT } from './common.ts';
import { Member } from './processes.ts';
import { startFlakyReceiver, type FlakyReceiver } from './receiver.ts';
import { answerLines, check, deliveryStats, firstDeliveryAfter, longestGap, section, seconds, statsLines, waitDelivered, type Section } from './report.ts';

export const PG_PHASES = ['setup', 'normal', 'worker killed', 'PG restart', 'PG stopped', 'recovery', 'draining'] as const;

const WORKERS = 3;
const CONCURRENCY = 16;
/** Sending is spread over this long at most, so the faults all fall while events are being sent. */
const SEND_SPREAD_MS = 55_000;
const CALM_MS = 8_000;
const WORKER_DOWN_MS = 3_000;
const PG_STOPPED_MS = 20_000;
/**
 * The wait for every delivery once sending is done: a SIGKILLed worker's leases are only taken
 * again once their lease has run out (RELAIS_LEASE: 45 s by default before leases were renewed), so it stays well above that.
 */
const DRAIN_TIMEOUT_MS = 180_000;
/** Sending gives up what is still unaccepted this long after it began (reported as never accepted, not lost). */
const SEND_DEADLINE_MS = 240_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The deadlocks PostgreSQL detected over the whole run (its own count, pg_stat_database, on the
 * suite's fresh cluster), read once the processes are gone: a backend publishes its counters when
 * it ends, and otherwise only every 10 s or more. The store retries a deadlock, so none reaches
 * the API's answers; this shows whether the lock order (kysely/store.ts) held. Printed, not a
 * check: test/faults/lock-order.test.ts is the check.
 */
async function reportDeadlocks(s: Section, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await sleep(1_000); // the SIGKILLed processes' backends notice their sockets closed
    await client.connect();
    const res = await client.query<{ n: string }>('SELECT deadlocks::text AS n FROM pg_stat_database WHERE datname = current_database()');
    const n = Number(res.rows[0]?.n ?? NaN);
    s.lines.push(`deadlocks (pg_stat_database, the whole run): ${n}`);
    s.data.deadlocks = n;
  } catch (err) {
    s.lines.push(`deadlocks: could not be read (${(err as Error).message})`);
  } finally {
    await client.end().catch(() => {});
  }
}

interface HealthzSample { atMsIntoStop: number; status: number | string; body: string }

export async function runPostgres(workDir: string, events: number): Promise<Section> {
  const s = section(`PostgreSQL: 1 api + ${WORKERS} workers, ${events} events, a worker SIGKILLed, PostgreSQL restarted, then stopped ${PG_STOPPED_MS / 1000} s`);
  const startedAt = Date.now();
  const phases = new Phases('setup');
  const answers = new AnswerLog(phases);
  const logs = join(workDir, 'logs');
  mkdirSync(logs, { recursive: true });

  const cluster: Cluster = await createCluster(workDir);
  process.stdout.write(`PostgreSQL ${cluster.url} (data ${cluster.dataDir})\n`);
  const receiver: FlakyReceiver = await startFlakyReceiver();
  const apiPort = await freeLoopbackPort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env = (extra: Record<string, string>): Record<string, string> => relaisEnv({ DATABASE_URL: cluster.url, ...extra });
  const api = new Member({ name: 'api', env: env({ RELAIS_ROLES: 'api', RELAIS_PORT: String(apiPort) }), logPath: join(logs, 'pg-api.log'), workDir, phase: () => phases.current });
  const workers = Array.from({ length: WORKERS }, (_, i) => new Member({
    name: `worker-${i + 1}`, env: env({ RELAIS_ROLES: 'worker', RELAIS_PORT: '0' }), logPath: join(logs, `pg-worker-${i + 1}.log`), workDir, phase: () => phases.current,
  }));
  const members = [api, ...workers];
  try {
    // The api first: it migrates the fresh database; workers started alongside would race it.
    await api.start();
    await Promise.all(workers.map((w) => w.start()));
    await seed(apiUrl, receiver.url);

    const keys = eventKeys(`pg${Date.now().toString(36)}`, events);
    phases.enter('normal');
    const load = sendEvents({
      apiUrl, token: ADMIN_TOKEN, tenant: TENANT, type: EVENT_TYPE, keys, concurrency: CONCURRENCY,
      ratePerSec: events / (SEND_SPREAD_MS / 1000), deadline: Date.now() + SEND_DEADLINE_MS, answers,
    });
    const progress = setInterval(() => process.stdout.write(`    accepted ${load.accepted.size}/${events}, delivered ${deliveryStats(receiver.hits, load.accepted, HOOKS).delivered}\n`), 10_000);

    // (a) A worker SIGKILLed, started again a few seconds later.
    await sleep(CALM_MS);
    phases.enter('worker killed');
    const victim = workers[1]!;
    const killedAt = Date.now();
    await victim.kill9();
    await sleep(WORKER_DOWN_MS);
    await victim.start();
    await sleep(CALM_MS - WORKER_DOWN_MS);

    // (b) PostgreSQL restarted (fast shutdown: every session is ended).
    phases.enter('PG restart');
    const restartAt = Date.now();
    await cluster.restart();
    const restartTookMs = Date.now() - restartAt;
    await sleep(CALM_MS);

    // (c) PostgreSQL stopped for 20 s, then started again; /healthz asked meanwhile.
    phases.enter('PG stopped');
    const stopAt = Date.now();
    await cluster.stop();
    const healthz: HealthzSample[] = [];
    for (const into of [5_000, 15_000]) {
      await sleep(stopAt + into - Date.now());
      const out = await call(`${apiUrl}/healthz`, 'GET', { timeoutMs: 10_000 });
      healthz.push({ atMsIntoStop: Date.now() - stopAt, status: out.kind === 'status' ? out.status : `client: ${out.error}`, body: out.kind === 'status' ? out.body.slice(0, 200) : out.message });
    }
    await sleep(stopAt + PG_STOPPED_MS - Date.now());
    await cluster.start();
    const backAt = Date.now();
    phases.enter('recovery');

    await load.done;
    const sendingDoneAt = Date.now();
    phases.enter('draining');
    const drainMs = await waitDelivered(receiver.hits, load.accepted, HOOKS, DRAIN_TIMEOUT_MS);
    clearInterval(progress);
    const endAt = Date.now();

    // The report.
    const stats = deliveryStats(receiver.hits, load.accepted, HOOKS);
    const lastDelivery = [...receiver.hits].reverse().find((h) => h.answered === 200)?.at ?? endAt;
    const gapAfterKill = longestGap(receiver.hits, killedAt, lastDelivery);
    const rel = (t: number): string => `+${((t - killedAt) / 1000).toFixed(1)} s`;
    const resumeAfterRestart = firstDeliveryAfter(receiver.hits, restartAt + restartTookMs);
    const resumeAfterOutage = firstDeliveryAfter(receiver.hits, backAt);
    const phaseGaps = PG_PHASES.slice(1).map((p, i, all) => {
      const from = phases.startOf(p);
      const to = all[i + 1] ? phases.startOf(all[i + 1]!) : lastDelivery;
      return from !== undefined && to !== undefined ? `${p}: ${seconds(longestGap(receiver.hits, from, to).ms)}` : undefined;
    }).filter(Boolean);

    s.lines.push(...statsLines(stats, HOOKS.length));
    if (load.notAccepted.size) s.lines.push(`never accepted:           ${load.notAccepted.size} (e.g. ${[...load.notAccepted].slice(0, 3).map(([k, why]) => `${k}: ${why}`).join('; ')})`);
    s.lines.push(`event sends:              ${load.attempts} for ${events} events (retries with the same id included)`);
    s.lines.push(...answerLines(answers, PG_PHASES));
    s.lines.push(`/healthz while PostgreSQL was stopped: ${healthz.map((h) => `at ${seconds(h.atMsIntoStop)}: ${h.status} ${h.body}`).join(' | ')}`);
    s.lines.push(`PostgreSQL restart took ${seconds(restartTookMs)}; deliveries resumed ${resumeAfterRestart ? `${seconds(resumeAfterRestart - restartAt - restartTookMs)} after it was back` : 'NEVER'}`);
    s.lines.push(`after the 20 s stop, deliveries resumed ${resumeAfterOutage ? `${seconds(resumeAfterOutage - backAt)} after PostgreSQL was back` : 'NEVER'}`);
    s.lines.push(`longest gap in deliveries after the kill: ${seconds(gapAfterKill.ms)} (from ${rel(gapAfterKill.from)} to ${rel(gapAfterKill.to)}; kill at +0 s, PG restart at ${rel(restartAt)}, stop at ${rel(stopAt)}, back at ${rel(backAt)})`);
    s.lines.push(`longest gap in deliveries per phase: ${phaseGaps.join(', ')}`);
    s.lines.push(`sending took ${seconds(sendingDoneAt - (phases.startOf('normal') ?? startedAt))}; every delivery in ${drainMs === null ? `NOT within ${seconds(DRAIN_TIMEOUT_MS)}` : seconds(drainMs)} after that`);

    checkProcesses(s, members);
    check(s, 'nothing accepted was lost', stats.lost === 0, stats.lost ? `${stats.lost} of ${stats.expected} deliveries never answered 2xx within ${seconds(DRAIN_TIMEOUT_MS)} of the last send` : `${stats.delivered} of ${stats.expected} delivered`);
    checkAnswers(s, answers);
    // Only a failure if something was left to deliver when PostgreSQL came back (a tiny FAULTS_EVENTS may have none).
    const leftAtBack = stats.expected - deliveryStats(receiver.hits.filter((h) => h.at < backAt), load.accepted, HOOKS).delivered;
    check(s, 'delivery resumed after the outage', resumeAfterOutage !== undefined || leftAtBack === 0,
      resumeAfterOutage ? `first delivery ${seconds(resumeAfterOutage - backAt)} after PostgreSQL was back`
        : leftAtBack === 0 ? 'nothing was left to deliver when PostgreSQL came back' : `no delivery at all after PostgreSQL came back, with ${leftAtBack} to make`);
    check(s, 'every event was eventually accepted', load.notAccepted.size === 0,
      load.notAccepted.size ? `${load.notAccepted.size} events got no 2xx within ${seconds(SEND_DEADLINE_MS)}` : `${events} of ${events}`);

    for (const reason of failedRequestReasons(api.logPath)) s.evidence.push(`api log: ${reason}`);
    addLogTails(s, members);
    if (stats.lost) s.evidence.push(`lost, e.g.: ${stats.lostSample.join(', ')}`);
    s.data = {
      ...s.data,
      events, stats, notAccepted: load.notAccepted.size, sends: load.attempts, answers: answers.toJSON(), slowestAnswerMs: Object.fromEntries(answers.slowest), retryAfter: Object.fromEntries(answers.retryAfters),
      violationCounts: Object.fromEntries(answers.violationCounts), violations: answers.violations,
      healthzDuringStop: healthz, restartTookMs, resumeAfterRestartMs: resumeAfterRestart ? resumeAfterRestart - restartAt - restartTookMs : null,
      resumeAfterOutageMs: resumeAfterOutage ? resumeAfterOutage - backAt : null, longestGapAfterKillMs: gapAfterKill.ms, drainMs,
      phases: phases.history, durationMs: Date.now() - startedAt, logs,
    };
    return s;
  } finally {
    await Promise.all(members.map((m) => m.stop()));
    await reportDeadlocks(s, cluster.url);
    await receiver.close();
    await cluster.stop().catch(() => {}); // the cleanup step stops it for sure
  }
}

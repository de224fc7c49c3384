// `npm run test:faults`: proves every Relais process survives its database going away and that
// nothing accepted is lost — on PostgreSQL (a cluster of the suite's own, restarted and stopped
// under load) and on SQLite (SIGKILL, a held write lock, a full disk). Prints a report, writes it
// as JSON, exits 1 if any check failed (or the harness itself broke), 0 otherwise.
//
//   FAULTS_EVENTS   events sent in the PostgreSQL half (default 20000)
//   FAULTS_ONLY     postgres | sqlite: run one half only
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupNow, installCleanupHandlers } from './cleanup.ts';
import { runPostgres } from './postgres.ts';
import { check, printSection, section, type Section } from './report.ts';
import { sqliteBusy, sqliteCrash, sqliteFull } from './sqlite.ts';
import { makeWorkDir } from './workdir.ts';

const REPORT_PATH = join(tmpdir(), 'relais-faults-report.json');
const LOGS_COPY = join(tmpdir(), 'relais-faults-logs');

function options(): { events: number; only: 'postgres' | 'sqlite' | undefined } {
  const events = Number(process.env.FAULTS_EVENTS || 20_000);
  if (!Number.isInteger(events) || events < 1) throw new Error(`FAULTS_EVENTS must be a positive integer, got "${process.env.FAULTS_EVENTS}"`);
  const only = process.env.FAULTS_ONLY || undefined;
  if (only !== undefined && only !== 'postgres' && only !== 'sqlite') throw new Error(`FAULTS_ONLY must be postgres or sqlite, got "${only}"`);
  return { events, only };
}

/** Runs one scenario; an exception is the harness failing, reported as a failed check of its own. */
async function scenario(title: string, body: () => Promise<Section>): Promise<Section> {
  process.stdout.write(`\n##### ${title}\n`);
  const started = Date.now();
  try {
    const s = await body();
    s.data.durationMs = Date.now() - started;
    printSection(s);
    return s;
  } catch (err) {
    const s = section(title);
    check(s, 'the scenario ran to its end', false, `it stopped with an error: ${(err as Error).stack ?? String(err)}`);
    printSection(s);
    return s;
  }
}

async function main(): Promise<number> {
  installCleanupHandlers();
  const { events, only } = options();
  if (process.getuid?.() !== 0) process.stdout.write('fault suite: not root: initdb as postgres (runuser) and the tmpfs mount will fail\n');
  rmSync(LOGS_COPY, { recursive: true, force: true }); // an earlier run's: it would pass for this one's
  const workDir = makeWorkDir();
  const started = Date.now();
  process.stdout.write(`fault suite: work dir ${workDir}\n`);
  const sections: Section[] = [];
  if (only !== 'sqlite') sections.push(await scenario('PostgreSQL', () => runPostgres(workDir, events)));
  if (only !== 'postgres') {
    sections.push(await scenario('SQLite (a): SIGKILL', () => sqliteCrash(workDir)));
    sections.push(await scenario('SQLite (b): SQLITE_BUSY', () => sqliteBusy(workDir)));
    sections.push(await scenario('SQLite (c): SQLITE_FULL', () => sqliteFull(workDir)));
  }
  const failed = sections.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `${s.title}: ${c.name}: ${c.detail.split('\n')[0]}`));
  const durationMs = Date.now() - started;

  // The children's logs are in the work dir, removed at exit: keep a copy when something failed.
  const logs = join(workDir, 'logs');
  if (failed.length && existsSync(logs)) {
    mkdirSync(LOGS_COPY, { recursive: true });
    cpSync(logs, LOGS_COPY, { recursive: true });
    const pgLog = join(workDir, 'pg', 'log');
    if (existsSync(pgLog)) cpSync(pgLog, join(LOGS_COPY, 'postgresql.log'));
  }
  writeFileSync(REPORT_PATH, `${JSON.stringify({ ok: failed.length === 0, durationMs, events, only: only ?? 'both', failed, sections }, null, 2)}\n`);

  const summary = ['', '===== fault suite: summary =====', `ran ${(durationMs / 1000).toFixed(0)} s; ${sections.reduce((n, s) => n + s.checks.length, 0)} checks, ${failed.length} failed`];
  for (const f of failed) summary.push(`  FAIL  ${f}`);
  summary.push(`report (JSON): ${REPORT_PATH}`);
  if (failed.length && existsSync(LOGS_COPY)) summary.push(`children's logs (and PostgreSQL's): ${LOGS_COPY}`);
  process.stdout.write(`${summary.join('\n')}\n`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => {
    cleanupNow();
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`fault suite: ${(err as Error).stack ?? String(err)}\n`);
    cleanupNow();
    process.exit(1);
  },
);

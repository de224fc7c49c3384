// What both halves share: the children's environment, a fixed API port (a process restarted by
// the suite comes back at the same address), the seeding, and the checks every run makes.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mustCall, type AnswerLog } from './client.ts';
import { check, type Section } from './report.ts';
import type { Member } from './processes.ts';

// Its own token rather than test/helpers/relais.ts's: importing that file loads the whole of src/.
export const ADMIN_TOKEN = 'fault-suite-admin-token-0123456789';
export const TENANT = 'faults';
export const EVENT_TYPE = 'fault.tick';
/** Two webhooks per tenant: what triggered the ingest deadlocks. */
export const HOOKS = ['a', 'b'] as const;

/**
 * Ten attempts: with the receiver failing 12% of requests, a delivery exhausts them with
 * probability 0.12^10 ≈ 6e-10, so random failures never make a delivery fail for good.
 */
export const RETRY_SCHEDULE = '0,200ms,500ms,1s,2s,5s,5s,5s,5s,5s';

export function relaisEnv(extra: Record<string, string>): Record<string, string> {
  return {
    RELAIS_ADMIN_TOKEN: ADMIN_TOKEN,
    RELAIS_ALLOW_TARGETS: '127.0.0.0/8',
    RELAIS_RETRY_SCHEDULE: RETRY_SCHEDULE,
    RELAIS_LOG_LEVEL: 'info',
    ...extra,
  };
}

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The tenant, the event type and one webhook per HOOKS entry, each at its own path of the receiver. */
export async function seed(apiUrl: string, receiverUrl: string): Promise<void> {
  const token = ADMIN_TOKEN;
  await mustCall(`${apiUrl}/v1/tenants`, 'POST', { token, body: { id: TENANT, name: 'Fault suite' } });
  await mustCall(`${apiUrl}/v1/event-types`, 'POST', { token, body: { name: EVENT_TYPE } });
  for (const hook of HOOKS) {
    await mustCall(`${apiUrl}/v1/tenants/${TENANT}/webhooks`, 'POST', { token, body: { url: `${receiverUrl}/hooks/${hook}`, events: [EVENT_TYPE] } });
  }
}

export const eventKeys = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);

/** Each process alive at the end, never having exited on its own; the lines say what became of each. */
export function checkProcesses(s: Section, members: readonly Member[]): void {
  s.lines.push('processes at the end:');
  const summary: Record<string, unknown> = {};
  for (const m of members) {
    const exits = m.unexpectedExits.map((e) => `exited (${e.how}) during "${e.phase}"`);
    const restarted = m.restarts.map((r) => (r.readyAfterMs === null ? `restart failed: ${r.error}` : `restarted by the suite, ready after ${(r.readyAfterMs / 1000).toFixed(1)} s`));
    s.lines.push(`  ${m.name.padEnd(10)} ${m.alive && !exits.length ? `alive (pid ${m.current?.pid})` : `${exits.join('; ') || 'not running'}${restarted.length ? ` — ${restarted.join('; ')}` : ''}`}`);
    summary[m.name] = { alive: m.alive, pid: m.current?.pid, unexpectedExits: m.unexpectedExits.map(({ how, at, phase }) => ({ how, at, phase })), restarts: m.restarts };
    for (const e of m.unexpectedExits) s.evidence.push(`--- ${m.name}: its last lines before it exited (${e.how}) during "${e.phase}" (${basename(m.logPath)}):`, ...e.tail.slice(-25));
  }
  s.data.processes = summary;
  const dead = members.filter((m) => m.unexpectedExits.length || !m.alive);
  check(s, 'every process survived', dead.length === 0,
    dead.length ? `${dead.map((m) => m.name).join(', ')} exited (${dead.flatMap((m) => m.unexpectedExits.map((e) => `${m.name}: ${e.how} during "${e.phase}"`)).join('; ')})` : `${members.length} of ${members.length} alive, none exited`);
}

/** No 5xx but 503, and every 503 with Retry-After. */
export function checkAnswers(s: Section, answers: AnswerLog): void {
  const bad5xx = [...answers.violationCounts].filter(([k]) => !k.startsWith('503 without'));
  const noRetryAfter = [...answers.violationCounts].filter(([k]) => k.startsWith('503 without'));
  const sum = (xs: [string, number][]): number => xs.reduce((n, [, c]) => n + c, 0);
  check(s, 'no 5xx but 503', bad5xx.length === 0, bad5xx.length ? bad5xx.map(([k, n]) => `${n} × ${k}`).join('; ') : 'none');
  check(s, 'every 503 carries Retry-After', noRetryAfter.length === 0, noRetryAfter.length ? `${sum(noRetryAfter)} without it (${noRetryAfter.map(([k, n]) => `${n} ${k.replace('503 without Retry-After ', '')}`).join('; ')})` : 'yes');
}

/** The API's logged reasons for its 500s ("request failed" lines), distinct, as evidence. */
export function failedRequestReasons(logPath: string, max = 5): string[] {
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return [];
  }
  const reasons = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.includes('"request failed"')) continue;
    let reason = line.slice(0, 300);
    try {
      const entry = JSON.parse(line) as { err?: { type?: string; message?: string; code?: string; stack?: string } };
      // Where in Relais it was thrown: its first frames under src/.
      const frames = (entry.err?.stack ?? '').split('\n').map((f) => /\/(src\/[^):]+:\d+)/.exec(f)?.[1]).filter(Boolean).slice(0, 3);
      reason = `${entry.err?.type ?? 'Error'}${entry.err?.code ? ` [${entry.err.code}]` : ''}: ${entry.err?.message ?? '?'}${frames.length ? ` (at ${frames.join(' < ')})` : ''}`.slice(0, 400);
    } catch { /* not JSON: keep the raw line */ }
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return [...reasons].sort((a, b) => b[1] - a[1]).slice(0, max).map(([r, n]) => `${n} × "request failed": ${r}`);
}

/** A log line shortened to what tells lines apart: level, thread, message, error. Non-JSON lines as they are. */
function gist(line: string): string {
  if (!line.startsWith('{')) return line.slice(0, 300);
  try {
    const e = JSON.parse(line) as { level?: number; msg?: string; thread?: string; reason?: string; err?: { type?: string; code?: string; message?: string } };
    const level = e.level === 40 ? 'WARN' : e.level === 50 ? 'ERROR' : e.level === 60 ? 'FATAL' : String(e.level);
    const err = e.err ? ` — ${e.err.type ?? 'Error'}${e.err.code ? ` [${e.err.code}]` : ''}: ${e.err.message ?? ''}` : e.reason ? ` — ${e.reason}` : '';
    return `${level}${e.thread ? ` (${e.thread})` : ''} ${e.msg ?? ''}${err}`.slice(0, 300);
  } catch {
    return line.slice(0, 300);
  }
}

/** The last warnings and errors of each process's log (routine info lines left out, repeats folded), as evidence. */
export function addLogTails(s: Section, members: readonly Member[], lines = 12): void {
  for (const m of members) {
    const folded: { text: string; n: number }[] = [];
    for (const line of m.logTail(20_000)) {
      if (/^\{"level":(10|20|30),/.test(line)) continue;
      const text = gist(line);
      const last = folded.at(-1);
      if (last?.text === text) last.n++;
      else folded.push({ text, n: 1 });
    }
    s.evidence.push(`--- ${m.name}: last warnings/errors and banner lines of ${basename(m.logPath)} (repeats folded):`,
      ...folded.slice(-lines).map((f) => (f.n > 1 ? `${f.text}   (× ${f.n})` : f.text)));
  }
}

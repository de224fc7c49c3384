// What the receiver got, measured against what the API accepted, and the report: counts, the
// API's answers by phase, checks that pass or fail with why. Printed, and kept as JSON.
import type { AnswerLog } from './client.ts';
import type { Hit } from './receiver.ts';

export interface DeliveryStats {
  accepted: number;
  expected: number;
  /** Distinct (event, webhook) pairs of accepted events answered 2xx. */
  delivered: number;
  /** 2xx-answered requests for a pair already delivered. */
  duplicates: number;
  lost: number;
  lostSample: string[];
  /** Pairs delivered for events never accepted (an answer lost on the way, then the send given up): allowed, not expected. */
  unexpected: number;
  requests: { total: number; answered200: number; answered500: number; dropped: number };
}

export function deliveryStats(hits: readonly Hit[], accepted: ReadonlyMap<string, number>, hooks: readonly string[]): DeliveryStats {
  const seen = new Set<string>();
  let duplicates = 0;
  let unexpected = 0;
  const requests = { total: hits.length, answered200: 0, answered500: 0, dropped: 0 };
  for (const h of hits) {
    if (h.answered === 'dropped') requests.dropped++;
    else if (h.answered === 500) requests.answered500++;
    else {
      requests.answered200++;
      const pair = `${h.key} ${h.hook}`;
      if (seen.has(pair)) duplicates++;
      else {
        seen.add(pair);
        if (!accepted.has(h.key)) unexpected++;
      }
    }
  }
  const lostPairs: string[] = [];
  for (const key of accepted.keys()) for (const hook of hooks) if (!seen.has(`${key} ${hook}`)) lostPairs.push(`${key}→${hook}`);
  const expected = accepted.size * hooks.length;
  return { accepted: accepted.size, expected, delivered: expected - lostPairs.length, duplicates, lost: lostPairs.length, lostSample: lostPairs.slice(0, 10), unexpected, requests };
}

/** Waits (bounded) until every accepted event reached every webhook; returns how long it took, or null. */
export async function waitDelivered(hits: readonly Hit[], accepted: ReadonlyMap<string, number>, hooks: readonly string[], timeoutMs: number, progress = true): Promise<number | null> {
  const started = Date.now();
  let lastPrint = 0;
  for (;;) {
    const stats = deliveryStats(hits, accepted, hooks);
    if (stats.lost === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return null;
    if (progress && Date.now() - lastPrint > 10_000) {
      lastPrint = Date.now();
      process.stdout.write(`    waiting for deliveries: ${stats.delivered}/${stats.expected} (${Math.round((Date.now() - started) / 1000)} s of at most ${timeoutMs / 1000} s)\n`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface Gap {
  ms: number;
  /** Last 2xx delivery before the gap, first after it (epoch ms). */
  from: number;
  to: number;
}

/** The longest time without a 2xx-answered delivery between `from` and `to`. */
export function longestGap(hits: readonly Hit[], from: number, to: number): Gap {
  let last = from;
  let gap: Gap = { ms: 0, from, to: from };
  for (const h of hits) {
    if (h.answered !== 200 || h.at < from || h.at > to) continue;
    if (h.at - last > gap.ms) gap = { ms: h.at - last, from: last, to: h.at };
    last = h.at;
  }
  if (to - last > gap.ms) gap = { ms: to - last, from: last, to };
  return gap;
}

/** The first 2xx-answered delivery at or after t. */
export function firstDeliveryAfter(hits: readonly Hit[], t: number): number | undefined {
  return hits.find((h) => h.answered === 200 && h.at >= t)?.at;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Section {
  title: string;
  lines: string[];
  checks: Check[];
  /** Everything measured, for the JSON report. */
  data: Record<string, unknown>;
  /** Printed only when a check failed: log tails and the like. */
  evidence: string[];
}

export const section = (title: string): Section => ({ title, lines: [], checks: [], data: {}, evidence: [] });

export function check(s: Section, name: string, ok: boolean, detail: string): void {
  s.checks.push({ name, ok, detail });
}

export function statsLines(d: DeliveryStats, hooks: number): string[] {
  return [
    `events accepted:          ${d.accepted}`,
    `deliveries expected:      ${d.expected} (accepted × ${hooks} webhooks)`,
    `delivered (distinct):     ${d.delivered}`,
    `duplicates:               ${d.duplicates} (extra 2xx-answered requests for a pair already delivered)`,
    `lost:                     ${d.lost}${d.lost ? `  e.g. ${d.lostSample.join(', ')}` : ''}`,
    ...(d.unexpected ? [`delivered, never accepted: ${d.unexpected} (the API's 2xx never reached the client; allowed)`] : []),
    `receiver requests:        ${d.requests.total} (200: ${d.requests.answered200}, 500: ${d.requests.answered500}, dropped: ${d.requests.dropped})`,
  ];
}

export function answerLines(answers: AnswerLog, order: readonly string[]): string[] {
  const table = answers.toJSON();
  const phases = [...order.filter((p) => table[p]), ...Object.keys(table).filter((p) => !order.includes(p))];
  const width = Math.max(...phases.map((p) => p.length), 5);
  const lines = ['API answers by phase:'];
  for (const p of phases) {
    lines.push(`  ${p.padEnd(width)}  ${Object.entries(table[p] ?? {}).map(([k, n]) => `${k}: ${n}`).join(', ')}   (slowest ${seconds(answers.slowest.get(p))})`);
  }
  if (answers.retryAfters.size) lines.push(`  503s' Retry-After: ${[...answers.retryAfters].map(([v, n]) => `${v} s × ${n}`).join(', ')}`);
  for (const [what, n] of answers.violationCounts) {
    lines.push(`  !! ${n} × ${what}`);
    const example = answers.violations.find((v) => v.key === what);
    if (example) lines.push(`     e.g. ${example.what}`);
  }
  return lines;
}

export function printSection(s: Section): void {
  const out: string[] = ['', `===== ${s.title} =====`, ...s.lines, 'checks:'];
  for (const c of s.checks) out.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  if (s.checks.some((c) => !c.ok) && s.evidence.length) out.push('evidence:', ...s.evidence.map((l) => `  ${l}`));
  process.stdout.write(`${out.join('\n')}\n`);
}

export const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

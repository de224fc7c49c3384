// What a run prints (a table, the machine, the targets of issues 6 and 16) and the JSON it writes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname } from 'node:path';
import type { RawLimit } from './raw.ts';
import { boundFor, type Ceiling } from './ceiling.ts';
import type { Row } from './scenarios.ts';
import { round } from './stats.ts';
import { STORE_SIZE_METHOD } from './stores.ts';
import { thousands } from './progress.ts';
import { textTable } from './text-table.ts';
import { deliveryCpuTable, type DeliveryCpu } from './delivery-cpu.ts';
import type { RoundTrips } from './round-trips.ts';
import { peerLines, peerTable, type PeerComparison } from './peers/compare.ts';
import type { PeerRow } from './peers/rows.ts';
import { retentionLines, type RetentionResult } from './retention.ts';
import { destinationLines, type DestinationRow } from './destinations.ts';

export interface Machine { cpu: string; cores: number; memory_gb: number; node: string; os: string; load_before: number[]; load_after?: number[] }

/** The commit measured, `+changes` when src/ differs from it; undefined outside a git checkout. */
export function sourceVersion(root: string): string | undefined {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no', '--', 'src') ? '+changes' : ''}`;
  } catch {
    return undefined;
  }
}

/** 1, 5 and 15-minute load averages: above the core count, other processes shared the CPU. */
export const loadAverages = (): number[] => loadavg().map((l) => round(l, 2));

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${osType()} ${release()}`,
    load_before: loadAverages(),
  };
}

const COLUMNS: [string, (r: Row) => string][] = [
  ['engine', (r) => r.engine],
  ['scenario', (r) => r.scenario],
  ['stored before', (r) => thousands(r.stored_before)],
  ['events', (r) => thousands(r.events)],
  ['deliveries', (r) => thousands(r.deliveries)],
  ['delivered/s', (r) => thousands(r.delivered_per_s)],
  ['raw/s', (r) => thousands(r.raw_limit_per_s)],
  ['ratio', (r) => r.ratio.toFixed(2)],
  ['p50 ms', (r) => r.p50_ms.toFixed(1)],
  ['p95 ms', (r) => r.p95_ms.toFixed(1)],
  ['p99 ms', (r) => r.p99_ms.toFixed(1)],
  ['RSS MB', (r) => r.peak_rss_mb.toFixed(0)],
  ['CPU ms/1000', (r) => thousands(r.cpu_ms_per_1000)],
  ['DB CPU', (r) => (r.db_cpu_ms_per_1000 === null ? '-' : thousands(r.db_cpu_ms_per_1000))],
  ['B/1000', (r) => thousands(r.store_bytes_per_1000)],
  ['lost', (r) => String(r.lost + r.not_succeeded)],
];

export const table = (rows: readonly Row[]): string => textTable(COLUMNS, rows);

const percent = (ratio: number): string => `${(ratio * 100).toFixed(0)}%`;

/** Issue 6's targets, each with the figure it is judged on. */
export function targets(rows: readonly Row[], ceilings: readonly Ceiling[] = []): string[] {
  const out: string[] = [];
  const mark = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const engines = [...new Set(rows.map((r) => r.engine))];
  for (const engine of engines) {
    const of = rows.filter((r) => r.engine === engine);
    const throughput = of.filter((r) => (r.scenario === 'single' || r.scenario === 'batch') && r.prefill_s === undefined);
    const ceiling = ceilings.find((c) => c.engine === engine);
    for (const r of throughput) {
      const bound = ceiling && boundFor(ceiling, r.scenario);
      const reach = bound
        ? `; the ceiling allows ${percent(bound.ratio)}${bound.ratio < 0.5 ? ', so 50% is out of reach with this store on this machine' : ''}, and Relais reaches ${percent(r.delivered_per_s / bound.per_s)} of the ceiling`
        : '';
      out.push(`${engine} ${r.scenario}: ${percent(r.ratio)} of the raw limit (target ≥ 50%): ${mark(r.ratio >= 0.5)}${reach}`);
    }
    for (const r of of.filter((x) => x.scenario.startsWith('steady-'))) {
      out.push(`${engine} ${r.scenario}: p99 ${r.p99_ms.toFixed(1)} ms at ${thousands(r.offered_per_s ?? 0)} events/s (target < 50 ms at 1,000/s): ${mark(r.p99_ms < 50)}`);
    }
    for (const r of of.filter((x) => x.rounds_s)) {
      const worst = Math.max(...r.rounds_s!);
      out.push(`${engine} ${r.scenario}: one event to ${thousands(r.webhooks)} webhooks in ${worst.toFixed(2)} s at worst of ${r.rounds_s!.length} (target < 2 s): ${mark(worst < 2)}`);
    }
    for (const r of of.filter((x) => x.scenario === 'serial')) {
      out.push(`${engine} serial: a max_concurrency 1 webhook's backlog at ${thousands(r.delivered_per_s)}/s, ${(r.ratio * 100).toFixed(0)}% of the serial raw limit (no target; it was about 25/s)`);
    }
    for (const r of of.filter((x) => x.scenario === 'tarpit')) {
      out.push(`${engine} tarpit: another tenant's p95 ${r.p95_ms.toFixed(1)} ms while one holds ${r.flood_open_requests ?? '?'} requests open to receivers that never answer (target < 1 s): ${mark(r.p95_ms < 1000)}`);
    }
    const batches = of.filter((x) => x.scenario === 'batch').sort((a, b) => a.stored_before - b.stored_before);
    if (batches.length > 1) {
      const [first, last] = [batches[0]!, batches.at(-1)!];
      const change = last.delivered_per_s / first.delivered_per_s;
      const fill = last.prefill_s === undefined ? '' : `; filling took ${last.prefill_s} s`;
      out.push(`${engine} batch with ${thousands(first.stored_before)} → ${thousands(last.stored_before)} stored: ${thousands(first.delivered_per_s)} → ${thousands(last.delivered_per_s)} delivered/s (×${change.toFixed(2)}; flat if about 1${fill})`);
    }
  }
  return out;
}

export interface Report {
  command: string;
  started_at: string;
  source: string | undefined;
  machine: Machine;
  raw_limit: RawLimit;
  /** One request at a time: the serial scenario's yardstick. */
  raw_limit_serial?: RawLimit;
  relais_concurrency: string;
  store_size_method: typeof STORE_SIZE_METHOD;
  rows: Row[];
  /** Per engine: what the store and the HTTP pair alone leave room for (ceiling.ts). */
  ceilings: Ceiling[];
  /** Each row's CPU per delivery, with the server's, against the raw limit's HTTP pair (delivery-cpu.ts). */
  delivery_cpu: DeliveryCpu[];
  /** PostgreSQL's round trips per event (round-trips.ts), when measured. */
  round_trips?: RoundTrips;
  /** The peers (peers/), when measured, and Relais against each. */
  peers?: PeerRow[];
  peer_comparisons?: PeerComparison[];
  /** Per engine: latency while pruning a backlog of old rows, the store's size over time and after a simulated week (retention.ts), when measured. */
  retention?: RetentionResult[];
  /** Per engine: the same batch load to HTTP and to each broker, with the broker's own CPU (destinations.ts), when measured. */
  destinations?: DestinationRow[];
  targets: string[];
  /** Sessions that failed (their rows are missing). */
  errors: string[];
  ok: boolean;
}

export function writeReport(path: string, report: Report): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** The ceiling per engine, with the costs it is made of. */
function ceilingLines(ceilings: readonly Ceiling[], cores: number): string[] {
  if (ceilings.length === 0) return [];
  const bound = (b: Ceiling['backlog']): string => `${thousands(b.per_s)}/s (${percent(b.ratio)} of raw)`;
  return [
    '',
    `ceiling: what the HTTP pair (the raw limit's client + receiver CPU per request) and the store alone (npm run bench:store's phases) leave room for on ${cores} cores, whatever Relais' own code costs:`,
    ...ceilings.map((c) => {
      const s = c.store_us;
      const whose = c.engine === 'postgres' ? "Relais' CPU and the server's" : "Relais' CPU, the database's included";
      return `  ${c.engine}: a delivery costs at least HTTP ${c.http_us} µs + store ${round(s.ingest + s.claim + s.results, 1)} µs (ingest ${s.ingest}, claim ${s.claim}, results ${s.results}; ${whose}) → ` +
        `a backlog at most ${bound(c.backlog)}; handed off at ingest (no claim) ${bound(c.handed_off)}; single events (one more HTTP pair each) ${bound(c.single)}`;
    }),
  ];
}

/** PostgreSQL's round trips, with the statements of one event. */
function roundTripLines(t: RoundTrips): string[] {
  const list = (statements: readonly string[]): string[] => statements.map((x, i) => `    ${i + 1}. ${x.length > 110 ? `${x.slice(0, 110)}…` : x}`);
  return [
    `round trips to PostgreSQL per event (through a counting proxy; less ${t.idle_per_s.api}/s and ${t.idle_per_s.default}/s idle): ingest ${t.ingest.round_trips} one at a time, ` +
      `${t.ingest_concurrent.round_trips} with ${t.ingest_concurrent.senders} at once (API-only process); a whole delivery ${t.delivery.round_trips} (default process, one at a time)`,
    '  one event\'s ingest:', ...list(t.ingest_statements),
    '  one event, ingest to attempt recorded:', ...list(t.delivery_statements),
  ];
}

export function printReport(report: Report, out: NodeJS.WritableStream = process.stdout): void {
  const m = report.machine;
  const raw = report.raw_limit;
  out.write([
    '',
    table(report.rows),
    '',
    `raw limit: ${thousands(raw.per_s)} POST/s (${thousands(raw.requests)} requests of ${raw.body_bytes} bytes, ${raw.concurrency} at once, no Relais; CPU per 1,000: the client's ${thousands(raw.client_cpu_ms_per_1000)} ms, the receiver's ${thousands(raw.receiver_cpu_ms_per_1000)} ms)`,
    ...(report.raw_limit_serial ? [`serial raw limit (the serial row's): ${thousands(report.raw_limit_serial.per_s)} POST/s, one at a time`] : []),
    `Relais: ${report.relais_concurrency}`,
    `source: ${report.source ?? 'unknown'}; machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.os}, Node ${m.node}; load before: ${m.load_before.join(' ')}, after: ${m.load_after?.join(' ') ?? '?'}`,
    `latency: event sent → delivery at the receiver; delivered/s: deliveries / (first event sent → last attempt recorded)`,
    ...ceilingLines(report.ceilings, m.cores),
    '',
    "CPU per delivery (issue 17): the Relais processes' (or the peer's) and the server's, against the raw limit's HTTP pair (client + receiver per request); the receiver's and the harness's CPU during a row are in neither:",
    deliveryCpuTable(report.delivery_cpu),
    ...(report.round_trips ? ['', ...roundTripLines(report.round_trips)] : []),
    ...(report.peers?.length ? ['', 'peers (npm run bench -- --scenario peers): the same body, signed, to the same receiver, as many at once as Relais', peerTable(report.peers),
      ...peerLines(report.peer_comparisons ?? []).map((l) => `  ${l}`)] : []),
    ...(report.retention?.length ? ['', 'retention (npm run bench -- --scenario retention):', ...report.retention.flatMap(retentionLines)] : []),
    ...(report.destinations?.length ? ['', 'destinations (npm run bench -- --scenario destinations): the same batches to one webhook per destination', ...destinationLines(report.destinations)] : []),
    '',
    'targets (issues 6, 16, 17 and 19):',
    ...report.targets.map((t) => `  ${t}`),
    ...(report.ok ? [] : ['', 'FAILED: deliveries lost or not recorded, or a session failed (see above and the JSON)']),
    '',
  ].join('\n'));
}

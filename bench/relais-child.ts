// Relais under test: `node bin/relais.js serve` as a real child process, as it runs in production.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { processCpuMs } from './cpu.ts';

/** The repository root: children run from there, as `npm start` would. */
export const ROOT = new URL('../', import.meta.url).pathname;
const BIN = new URL('../bin/relais.js', import.meta.url).pathname;
// A worker-only process (RELAIS_ROLES=worker) listens nowhere: it prints `off`.
const BANNER = /API(?: and page)?:\s+(http:\/\/\S+|off)/;
const START_TIMEOUT_MS = 60_000;

export interface RelaisChild {
  /** Where its API listens; empty for a worker-only process. */
  url: string;
  pid: number;
  /** The process's peak resident set size since start or the last resetPeak(), in MiB. */
  peakRssMb(): number;
  /** Current resident set size, in MiB. */
  rssMb(): number;
  /** CPU time the process has used so far, all threads, user and system, in ms. */
  cpuMs(): number;
  /** Makes the peak the current size, so each scenario reports its own (Linux clear_refs 5). */
  resetPeak(): boolean;
  /** SIGTERM, then waits for a graceful exit. */
  stop(): Promise<void>;
  kill(): void;
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** `nodeArgs`: flags for Node itself, e.g. `--cpu-prof` (they must come before the script). */
export async function startRelais(env: Record<string, string>, nodeArgs: string[] = []): Promise<RelaisChild> {
  const proc = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onOutput = (c: Buffer): void => {
    out += c.toString('utf8');
    if (out.length > 100_000) out = out.slice(-50_000);
  };
  proc.stdout.on('data', onOutput);
  proc.stderr.on('data', onOutput);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relais serve printed no URL within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
    proc.stdout.on('data', () => {
      const m = BANNER.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] === 'off' ? '' : m[1]!);
      }
    });
    void exited.then(() => reject(new Error(`relais serve exited at start (${proc.exitCode ?? proc.signalCode}):\n${out}`)));
  }).catch((err: unknown) => {
    proc.kill('SIGKILL');
    throw err;
  });
  // Warnings and errors Relais logs during the run (stdout: JSON lines) are worth seeing; stdout
  // here is the table's.
  proc.stdout.off('data', onOutput);
  proc.stderr.off('data', onOutput);
  proc.stdout.on('data', (c: Buffer) => process.stderr.write(c));
  proc.stderr.on('data', (c: Buffer) => process.stderr.write(c));
  const pid = proc.pid!;
  return {
    url,
    pid,
    peakRssMb: () => statusKb(pid, 'VmHWM') / 1024,
    rssMb: () => statusKb(pid, 'VmRSS') / 1024,
    cpuMs: () => processCpuMs(pid),
    resetPeak: () => {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
    kill: () => { proc.kill('SIGKILL'); },
  };
}

/**
 * Relais as a cluster on one database: an API process (RELAIS_ROLES=api) and `workers` worker
 * processes (RELAIS_ROLES=worker), seen as one: the API's URL, every process's CPU and memory
 * summed, each stopped in turn (workers first).
 */
export async function startCluster(env: Record<string, string>, workers: number, nodeArgs: string[] = []): Promise<RelaisChild> {
  // The API process first (it migrates the store), then the workers together.
  const api = await startRelais({ ...env, RELAIS_ROLES: 'api' }, nodeArgs);
  const started = await Promise.allSettled(Array.from({ length: workers }, () => startRelais({ ...env, RELAIS_ROLES: 'worker' }, nodeArgs)));
  const all: RelaisChild[] = [api, ...started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    for (const c of all) c.kill();
    throw failed.reason;
  }
  const sum = (f: (c: RelaisChild) => number): number => all.reduce((total, c) => total + f(c), 0);
  return {
    url: api.url,
    pid: api.pid,
    peakRssMb: () => sum((c) => c.peakRssMb()),
    rssMb: () => sum((c) => c.rssMb()),
    cpuMs: () => sum((c) => c.cpuMs()),
    resetPeak: () => all.map((c) => c.resetPeak()).every(Boolean),
    stop: async () => {
      for (const c of all.slice(1)) await c.stop();
      await api.stop();
    },
    kill: () => { for (const c of all) c.kill(); },
  };
}

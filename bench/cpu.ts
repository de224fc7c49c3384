// CPU time from /proc (Linux): of one process, or of every process of a local database server.
import { readdirSync, readFileSync } from 'node:fs';

// /proc/<pid>/stat counts CPU time in clock ticks: 100 a second on Linux (USER_HZ).
const TICK_MS = 10;

/** User + system CPU time of a process so far (all its threads), in ms; 0 if it is gone. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU time so far of each process named `name` on this machine (PostgreSQL's backends and helpers), by pid. */
export function serverCpu(name: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) byPid.set(Number(entry), processCpuMs(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return byPid;
}

/**
 * The CPU time those processes used between two readings, in ms: what each one present at the
 * end used since the first reading (all of it if it started since). A process that ended in
 * between is not counted (a scenario's own connections live through it); undefined when there
 * was no such process (a remote server).
 */
export function serverCpuSince(before: Map<number, number>, after: Map<number, number>): number | undefined {
  if (after.size === 0) return undefined;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

// CPU time from /proc (Linux): of one process, of some processes of a local database server (those
// that work for one database: stores.ts asks PostgreSQL which), or of every process of a server.
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

/**
 * CPU time so far of those of `pids` that are processes named `name` on this machine, by pid: a
 * pid of a server on another machine, or one reused by something else, matches nothing.
 */
export function processesCpu(pids: Iterable<number>, name: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) byPid.set(pid, processCpuMs(pid));
    } catch {
      // gone meanwhile, or not on this machine
    }
  }
  return byPid;
}

/** CPU time so far of every process named `name` on this machine (a Redis server), by pid. */
export function serverCpu(name: string): Map<number, number> {
  return processesCpu(readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number), name);
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

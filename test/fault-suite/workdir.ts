// The suite's temp dir, and the sweep of what a previous run killed with SIGKILL left behind
// (a cluster still holding its port, a mounted tmpfs, orphaned relais children).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.ts';
import { pgBinDir } from './cluster.ts';

const PREFIX = 'relais-faults-run-';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Mount points at or below dir, deepest first. */
export function mountsUnder(dir: string): string[] {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1] ?? '').filter(Boolean);
  return mounts.filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}

/** Records a child's pid in the work dir, so a later run can end it if this one is killed outright. */
export function notePid(workDir: string, pid: number): void {
  mkdirSync(join(workDir, 'pids'), { recursive: true });
  writeFileSync(join(workDir, 'pids', String(pid)), '');
}

function sweep(dir: string): void {
  const pidsDir = join(dir, 'pids');
  if (existsSync(pidsDir)) {
    for (const name of readdirSync(pidsDir)) {
      const pid = Number(name);
      // Only a process that is still a relais child (pids get reused).
      const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
      if (cmdline.includes('relais.js')) process.kill(pid, 'SIGKILL');
    }
  }
  const pgData = join(dir, 'pg');
  if (existsSync(join(pgData, 'postmaster.pid'))) {
    spawnSync('runuser', ['-u', 'postgres', '--', join(pgBinDir(), 'pg_ctl'), '-D', pgData, 'stop', '-m', 'immediate', '-w'], { cwd: '/', stdio: 'ignore' });
  }
  for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

/** Sweeps the leftovers of dead runs (a live run's dir is left alone), then makes this run's dir. */
export function makeWorkDir(): string {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(existsSync(join(dir, 'owner.pid')) ? readFileSync(join(dir, 'owner.pid'), 'utf8') : NaN);
    if (Number.isInteger(owner) && alive(owner)) continue;
    process.stdout.write(`fault suite: removing the leftovers of an earlier run: ${dir}\n`);
    sweep(dir);
  }
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  chmodSync(dir, 0o755); // the postgres user must reach its data dir inside
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  onCleanup('remove the work dir', () => {
    for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

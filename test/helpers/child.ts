// `relais serve` as a real child process, for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait.ts';

/** The repository root: the child runs from there, as `npm start` would. */
export const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;

export interface Child {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** A worker-only process (RELAIS_ROLES=worker) listens nowhere: its `url` is empty, and it is ready once it says it runs. */
export async function spawnRelais(env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  proc.stderr!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = (): string | undefined => /API and page:\s+(http:\/\/\S+)/.exec(out)?.[1] ?? (/API and page:\s+off/.test(out) ? '' : undefined);
  const url = await waitFor('relais serve to print its URL', ready, 30_000)
    .catch((err: Error) => { proc.kill('SIGKILL'); throw new Error(`${err.message}\n${out}`); });
  return { proc, url, output: () => out, exited };
}

/** Resolves with how the child ended, or with 'still running' after timeoutMs. */
export function exitWithin(child: Child, timeoutMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('still running'), timeoutMs); });
  return Promise.race([child.exited, late]).finally(() => clearTimeout(timer));
}

/** Ends a child for good (SIGKILL unless it is already gone). */
export async function killChild(child: Child | undefined): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGKILL');
  await child.exited;
}

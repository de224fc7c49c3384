// `relais serve` children, each with its log in a file. test/helpers/child.ts waits for the
// "API and page:" URL, which a worker-only process never prints, so these wait for the banner's
// last line instead. A Member keeps one role running: an exit nobody asked for is recorded (it
// fails the suite) and the process is started again, so the rest of the run still measures
// whether anything accepted gets lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { onCleanup } from './cleanup.ts';
import { notePid } from './workdir.ts';

const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;
const READY = /^ {2}Admin token:/m; // the banner's last line: the process listens and dispatches
const TAIL_LINES = 40;

export interface Exit {
  /** The exit code, or the signal's name. */
  how: number | string;
  at: number;
  /** The phase the suite was in. */
  phase: string;
  /** The process's last lines before it ended. */
  tail: string[];
}

export interface Running {
  proc: ChildProcess;
  pid: number;
  startedAt: number;
  exited: Promise<Exit>;
  exit: Exit | undefined;
  lines: string[];
  /** Printed its banner: an exit before that is a failed start, reported by start() itself. */
  ready: boolean;
}

/**
 * Starts `relais serve` with exactly `env` over a copy of this process's environment minus
 * DATABASE_URL (the SQLite half must stay on SQLite; the PostgreSQL half passes it in env).
 */
function startServe(name: string, env: Record<string, string>, logPath: string, workDir: string, phase: () => string): Running {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  const proc = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${process.execPath}`);
  notePid(workDir, proc.pid);
  appendFileSync(logPath, `\n===== fault suite: ${name} started, pid ${proc.pid}, ${new Date().toISOString()}, phase "${phase()}" =====\n`);
  const running: Running = { proc, pid: proc.pid, startedAt: Date.now(), exited: undefined as never, exit: undefined, lines: [], ready: false };
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    appendFileSync(logPath, text);
    running.lines.push(...text.split('\n').filter(Boolean));
    if (running.lines.length > 4 * TAIL_LINES) running.lines.splice(0, running.lines.length - TAIL_LINES);
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  running.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    running.exit = { how: code ?? signal ?? -1, at: Date.now(), phase: phase(), tail: running.lines.slice(-TAIL_LINES) };
    appendFileSync(logPath, `\n===== fault suite: ${name} (pid ${proc.pid}) ended: ${running.exit.how} =====\n`);
    resolve(running.exit);
  }));
  return running;
}

/** Waits for the banner; rejects if the process ends first or takes longer than timeoutMs. */
async function ready(running: Running, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!READY.test(running.lines.join('\n'))) {
    if (running.exit) throw new Error(`ended (${running.exit.how}) before it was ready:\n${running.exit.tail.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms:\n${running.lines.slice(-TAIL_LINES).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface MemberOptions {
  name: string;
  env: Record<string, string>;
  logPath: string;
  workDir: string;
  /** The suite's current phase, stamped on exits. */
  phase: () => string;
}

export class Member {
  readonly name: string;
  readonly logPath: string;
  /** Exits nobody asked for: each one fails the suite. */
  readonly unexpectedExits: Exit[] = [];
  /** Starts the harness made after an unexpected exit (how long each took to be ready again, or why it failed). */
  readonly restarts: { at: number; readyAfterMs: number | null; error?: string }[] = [];
  current: Running | undefined;
  #stopping = false;
  /** Processes the suite ends itself (kill9): their exits are no failure. */
  readonly #expected = new Set<Running>();
  readonly #options: MemberOptions;

  constructor(options: MemberOptions) {
    this.#options = options;
    this.name = options.name;
    this.logPath = options.logPath;
    onCleanup(`kill ${options.name}`, () => {
      this.#stopping = true;
      if (this.current && !this.current.exit) this.current.proc.kill('SIGKILL');
    });
  }

  get alive(): boolean {
    return this.current !== undefined && this.current.exit === undefined;
  }

  /** Starts the process and waits until it is ready. */
  async start(timeoutMs = 60_000): Promise<void> {
    const running = startServe(this.name, this.#options.env, this.logPath, this.#options.workDir, this.#options.phase);
    this.current = running;
    void running.exited.then((exit) => this.#onExit(running, exit));
    try {
      await ready(running, timeoutMs);
    } catch (err) {
      if (!running.exit) running.proc.kill('SIGKILL');
      throw new Error(`${this.name}: ${(err as Error).message}`);
    }
    running.ready = true;
  }

  #onExit(running: Running, exit: Exit): void {
    if (this.#stopping || !running.ready || this.#expected.has(running) || running !== this.current) return;
    this.unexpectedExits.push(exit);
    process.stdout.write(`!!! ${this.name} (pid ${running.pid}) EXITED unexpectedly (${exit.how}) during "${exit.phase}"; restarting it\n`);
    void this.#restartAfterCrash();
  }

  /** Starts it again, every 2 s until it comes up (it cannot while the database is down). */
  async #restartAfterCrash(): Promise<void> {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (this.#stopping) return;
      const at = Date.now();
      try {
        await this.start(30_000);
        this.restarts.push({ at, readyAfterMs: Date.now() - at });
        return;
      } catch (err) {
        // Its last line says why (e.g. the database refusing connections).
        const lines = (err as Error).message.split('\n').filter(Boolean);
        this.restarts.push({ at, readyAfterMs: null, error: `${lines[0] ?? ''} … ${lines.at(-1) ?? ''}`.slice(0, 400) });
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  /** A deliberate SIGKILL (a fault of the suite's own): not counted as an unexpected exit. */
  async kill9(): Promise<Exit> {
    const running = this.current;
    if (!running || running.exit) throw new Error(`${this.name} is not running`);
    this.#expected.add(running);
    running.proc.kill('SIGKILL');
    return running.exited;
  }

  /** Ends it for good (SIGKILL: the suite measures crashes, not graceful stops). */
  async stop(): Promise<void> {
    this.#stopping = true;
    const running = this.current;
    if (running && !running.exit) {
      running.proc.kill('SIGKILL');
      await running.exited;
    }
  }

  /** The last lines of its log file. */
  logTail(lines = 30): string[] {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').filter(Boolean).slice(-lines);
    } catch {
      return [];
    }
  }
}

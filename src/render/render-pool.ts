// A few child processes that render templates, one request each at a time. A render that runs
// over its time has its child killed; a child that dies (its heap limit reached) fails the render
// it held; either way a new child is forked for the next request. Written for the job after
// workerpool lost requests: a child that died of its heap limit while being cleaned up after a
// timeout stayed counted in the pool, and the requests queued behind it never ran.
//
// Children are shared fairly between tenants: each tenant has its own queue, and a free child
// takes the next render of the next tenant in turn (round robin) that has one queued, so a tenant
// with many slow templates has one render at a time ahead of another's at most. And a tenant may
// hold at most maxChildren − 1 children (when there are two or more): the last is kept for the
// other tenants, so one whose every render runs to the timeout never makes another's wait for it.
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { TemplateDialect } from '../core/model.ts';

/** How much longer than a render's time a child that is still loading gets for its first render. */
const BOOT_ALLOWANCE_MS = 10_000;
/** Scheduling priority of the render children (19 is the lowest). */
const RENDER_NICENESS = 10;

export interface RenderRequest {
  /** Whose render: children are shared fairly between tenants. */
  tenant: string;
  source: string;
  context: Record<string, unknown>;
  maxBytes: number;
  /** How the template prints (template-engine.mjs); 'jinja' when absent. */
  dialect?: TemplateDialect;
  /** The texts of the numbers the context holds as markers (core/exact-numbers.ts). */
  numbers?: readonly string[];
}
export type RenderAnswer = { output: string } | { error: string };

/** Why a render ended without an answer from its child. */
export class RenderStopped extends Error {
  constructor(readonly reason: 'timeout' | 'died' | 'closed', message: string) {
    super(message);
  }
}

interface Task extends RenderRequest {
  id: number;
  resolve: (answer: RenderAnswer) => void;
  reject: (err: RenderStopped) => void;
}

interface Child {
  process: ChildProcess;
  task: Task | undefined;
  timer: NodeJS.Timeout | undefined;
  /** It has loaded (its `ready` message): a render's time starts once it has. */
  ready: boolean;
}

export interface RenderPoolOptions {
  script: string;
  maxChildren: number;
  timeoutMs: number;
  execArgv: string[];
}

export function createRenderPool({ script, maxChildren, timeoutMs, execArgv }: RenderPoolOptions) {
  const children = new Set<Child>();
  /** Each tenant's queued renders; a Map keeps the tenants' turn order (the next in turn is first). */
  const queues = new Map<string, Task[]>();
  /** Children each tenant holds. */
  const holding = new Map<string, number>();
  const perTenantMax = maxChildren > 1 ? maxChildren - 1 : 1;
  let lastId = 0;
  let closed = false;

  function spawn(): Child {
    // An empty environment: even a template that escaped the interpreter would find no database
    // URL, admin token or encryption key in its process.
    const child: Child = { process: fork(script, [], { execArgv, env: {}, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }), task: undefined, timer: undefined, ready: false };
    children.add(child);
    // Below the server's own priority: an endless template spins its child's core until the
    // timeout, and must not take it from the API's or the dispatcher's threads meanwhile.
    if (child.process.pid !== undefined) {
      try {
        setPriority(child.process.pid, RENDER_NICENESS);
      } catch {
        // not allowed here (some containers): the timeout still bounds it
      }
    }
    child.process.on('message', (answer: (RenderAnswer & { id: number }) | { ready: true }) => {
      if ('ready' in answer) {
        child.ready = true;
        if (child.task) {
          clearTimeout(child.timer);
          startTimer(child, child.task, timeoutMs);
        }
        return;
      }
      const task = child.task;
      if (!task || task.id !== answer.id) return;
      settle(child);
      task.resolve('output' in answer ? { output: answer.output } : { error: answer.error });
      next();
    });
    child.process.on('exit', () => {
      const task = child.task;
      children.delete(child);
      if (task) {
        settle(child);
        task.reject(new RenderStopped('died', 'the render process died'));
      }
      next();
    });
    child.process.on('error', () => child.process.kill('SIGKILL')); // an IPC failure: the exit handler fails its task
    return child;
  }

  function settle(child: Child): void {
    clearTimeout(child.timer);
    child.timer = undefined;
    if (child.task) {
      const held = (holding.get(child.task.tenant) ?? 1) - 1;
      if (held > 0) holding.set(child.task.tenant, held);
      else holding.delete(child.task.tenant);
    }
    child.task = undefined;
  }

  /** The next render to start: the first tenant in turn with one queued and a child to spare; it goes to the back of the turn. */
  function take(): Task | undefined {
    for (const [tenant, tasks] of queues) {
      if ((holding.get(tenant) ?? 0) >= perTenantMax) continue;
      const task = tasks.shift()!;
      queues.delete(tenant);
      if (tasks.length) queues.set(tenant, tasks);
      holding.set(tenant, (holding.get(tenant) ?? 0) + 1);
      return task;
    }
    return undefined;
  }

  function start(child: Child, task: Task): void {
    child.task = task;
    // A child still loading gets BOOT_ALLOWANCE_MS more, restarted at `ready`: one that never
    // loads still has its render stopped.
    startTimer(child, task, child.ready ? timeoutMs : timeoutMs + BOOT_ALLOWANCE_MS);
    child.process.send({ id: task.id, source: task.source, context: task.context, maxBytes: task.maxBytes, dialect: task.dialect, numbers: task.numbers });
  }

  function startTimer(child: Child, task: Task, ms: number): void {
    child.timer = setTimeout(() => {
      settle(child);
      children.delete(child); // its exit must not fail a later task
      child.process.kill('SIGKILL');
      task.reject(new RenderStopped('timeout', `the template ran longer than ${timeoutMs} ms and was stopped`));
      next();
    }, ms);
  }

  function next(): void {
    while (!closed && queues.size > 0) {
      let idle = [...children].find((c) => c.task === undefined);
      if (!idle && children.size >= maxChildren) return;
      const task = take();
      if (!task) return;
      idle ??= spawn();
      start(idle, task);
    }
    // A spare child started ahead: forking one takes 50 ms to most of a second on a busy machine,
    // which the tenant the reserve is kept for would otherwise wait.
    if (!closed && children.size < maxChildren && [...children].every((c) => c.task !== undefined)) spawn();
  }

  return {
    render(request: RenderRequest): Promise<RenderAnswer> {
      if (closed) return Promise.reject(new RenderStopped('closed', 'the renderer is closed'));
      return new Promise<RenderAnswer>((resolve, reject) => {
        const task = { ...request, id: ++lastId, resolve, reject };
        const queued = queues.get(request.tenant);
        if (queued) queued.push(task);
        else queues.set(request.tenant, [task]);
        next();
      });
    },
    /** Kills the children; queued and running renders fail. */
    close(): void {
      closed = true;
      for (const task of [...queues.values()].flat()) task.reject(new RenderStopped('closed', 'the renderer is closed'));
      queues.clear();
      for (const child of [...children]) {
        const task = child.task;
        settle(child);
        children.delete(child);
        child.process.kill('SIGKILL');
        task?.reject(new RenderStopped('closed', 'the renderer is closed'));
      }
    },
  };
}

// A few child processes that render templates, one request each at a time. A render that runs
// over its time has its child killed; a child that dies (its heap limit reached) fails the render
// it held; either way a new child is forked for the next request. Written for the job after
// workerpool lost requests: a child that died of its heap limit while being cleaned up after a
// timeout stayed counted in the pool, and the requests queued behind it never ran.
import { fork, type ChildProcess } from 'node:child_process';

export interface RenderRequest { source: string; context: Record<string, unknown>; maxBytes: number }
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
}

export interface RenderPoolOptions {
  script: string;
  maxChildren: number;
  timeoutMs: number;
  execArgv: string[];
}

export function createRenderPool({ script, maxChildren, timeoutMs, execArgv }: RenderPoolOptions) {
  const children = new Set<Child>();
  const queue: Task[] = [];
  let lastId = 0;
  let closed = false;

  function spawn(): Child {
    // An empty environment: even a template that escaped the interpreter would find no database
    // URL, admin token or encryption key in its process.
    const child: Child = { process: fork(script, [], { execArgv, env: {}, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }), task: undefined, timer: undefined };
    children.add(child);
    child.process.on('message', (answer: RenderAnswer & { id: number }) => {
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
    child.task = undefined;
  }

  function start(child: Child, task: Task): void {
    child.task = task;
    child.timer = setTimeout(() => {
      settle(child);
      children.delete(child); // its exit must not fail a later task
      child.process.kill('SIGKILL');
      task.reject(new RenderStopped('timeout', `the template ran longer than ${timeoutMs} ms and was stopped`));
      next();
    }, timeoutMs);
    child.process.send({ id: task.id, source: task.source, context: task.context, maxBytes: task.maxBytes });
  }

  function next(): void {
    while (!closed && queue.length > 0) {
      let idle = [...children].find((c) => c.task === undefined);
      if (!idle && children.size < maxChildren) idle = spawn();
      if (!idle) return;
      start(idle, queue.shift()!);
    }
  }

  return {
    render(request: RenderRequest): Promise<RenderAnswer> {
      if (closed) return Promise.reject(new RenderStopped('closed', 'the renderer is closed'));
      return new Promise<RenderAnswer>((resolve, reject) => {
        queue.push({ ...request, id: ++lastId, resolve, reject });
        next();
      });
    },
    /** Kills the children; queued and running renders fail. */
    close(): void {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new RenderStopped('closed', 'the renderer is closed'));
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

// The `template` format's renderer: Jinja templates written by tenants run in a small pool of
// child processes. Each render is bounded in time (the process is killed when it runs over), in
// heap (the child's own limit: running out ends that child only) and in output size, so a
// hostile template can neither stall nor crash the server.
import { Template } from '@huggingface/jinja';
import workerpool from 'workerpool';

export const TEMPLATE_MAX_SOURCE_CHARS = 64 * 1024;

export interface TemplateLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  maxHeapMb: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = { timeoutMs: 1_000, maxOutputBytes: 1024 * 1024, maxHeapMb: 64 };

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** A syntax error in a template, found without running it; undefined when it parses. */
export function templateSyntaxError(source: string): string | undefined {
  try {
    new Template(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function createTemplateRenderer(limits: TemplateLimits = DEFAULT_TEMPLATE_LIMITS) {
  // Made on first use: processes that never render a template start no children.
  let pool: ReturnType<typeof workerpool.pool> | undefined;
  const getPool = () => (pool ??= workerpool.pool(new URL('./render-worker.mjs', import.meta.url).pathname, {
    workerType: 'process',
    maxWorkers: 2,
    // An empty environment: even a template that escaped the interpreter would find no
    // database URL, admin token or encryption key in its process.
    forkOpts: { execArgv: [`--max-old-space-size=${limits.maxHeapMb}`], silent: true, env: {} },
  }));

  return {
    async render(source: string, context: Record<string, unknown>): Promise<string> {
      let result: { output?: string; error?: string };
      try {
        result = (await getPool().exec('render', [source, context, limits.maxOutputBytes]).timeout(limits.timeoutMs)) as typeof result;
      } catch (err) {
        const e = err as Error;
        if (e instanceof workerpool.Promise.TimeoutError) throw new TemplateError(`the template ran longer than ${limits.timeoutMs} ms and was stopped`);
        if (/terminated unexpectedly/i.test(e.message)) throw new TemplateError(`the template used more than ${limits.maxHeapMb} MB and was stopped`);
        throw new TemplateError(`the template failed: ${e.message}`);
      }
      if (result.error !== undefined) throw new TemplateError(result.error);
      return result.output!;
    },
    close: async (): Promise<void> => { await pool?.terminate(true); },
  };
}
export type TemplateRenderer = ReturnType<typeof createTemplateRenderer>;

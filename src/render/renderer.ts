// The `template` format's renderer: Jinja templates written by tenants run in a small pool of
// child processes (render-pool.ts). Each render is bounded in time (the process is killed when it runs over), in
// heap (the child's own limit: running out ends that child only) and in output size, so a
// hostile template can neither stall nor crash the server.
import { Template } from '@huggingface/jinja';
import type { TemplateDialect } from '../core/model.ts';
import { createRenderPool, RenderStopped, type RenderAnswer } from './render-pool.ts';

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
  let pool: ReturnType<typeof createRenderPool> | undefined;
  const getPool = () => (pool ??= createRenderPool({
    script: new URL('./render-worker.mjs', import.meta.url).pathname,
    // A tenant may hold all but one (render-pool.ts). Two, not more: renders are CPU-bound, and
    // with three a tenant's two endless templates took both of this machine's cores, so the third
    // child, kept for the others, still ran slowly.
    maxChildren: 2,
    timeoutMs: limits.timeoutMs,
    execArgv: [`--max-old-space-size=${limits.maxHeapMb}`],
  }));

  return {
    /**
     * `tenant`: whose template, so that the pool shares its children fairly between tenants;
     * `dialect`: 'frappe' prints values as Frappe's Jinja does (render/template-engine.mjs);
     * `numbers`: the texts of the numbers `context` holds as markers (core/exact-numbers.ts).
     */
    async render(source: string, context: Record<string, unknown>, tenant: string, dialect: TemplateDialect = 'jinja', numbers?: readonly string[]): Promise<string> {
      let result: RenderAnswer;
      try {
        result = await getPool().render({ tenant, source, context, maxBytes: limits.maxOutputBytes, dialect, ...(numbers && { numbers }) });
      } catch (err) {
        if (!(err instanceof RenderStopped)) throw err;
        if (err.reason === 'died') throw new TemplateError(`the template used more than ${limits.maxHeapMb} MB and was stopped`);
        throw new TemplateError(err.message);
      }
      if ('error' in result) throw new TemplateError(result.error);
      return result.output;
    },
    close: async (): Promise<void> => {
      pool?.close();
      pool = undefined;
    },
  };
}
export type TemplateRenderer = ReturnType<typeof createTemplateRenderer>;

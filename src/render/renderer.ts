// The `template` format's renderer: Jinja templates written by tenants run in a pool of worker
// threads, each render bounded in time (the worker is terminated when it runs over) and in
// heap and output size, so a hostile template cannot stall or crash the server.
import { Template } from '@huggingface/jinja';
import { Piscina } from 'piscina';

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
  // Made on first use: processes that never render a template start no threads.
  let pool: Piscina | undefined;
  const getPool = (): Piscina => (pool ??= new Piscina({
    filename: new URL('./render-worker.mjs', import.meta.url).href,
    minThreads: 0,
    maxThreads: 2,
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16 },
  }));

  return {
    async render(source: string, context: Record<string, unknown>): Promise<string> {
      let result: { output?: string; error?: string };
      try {
        result = await getPool().run({ source, context, maxBytes: limits.maxOutputBytes }, { signal: AbortSignal.timeout(limits.timeoutMs) });
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.name === 'AbortError' || e.name === 'TimeoutError') throw new TemplateError(`the template ran longer than ${limits.timeoutMs} ms and was stopped`);
        if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') throw new TemplateError(`the template used more than ${limits.maxHeapMb} MB and was stopped`);
        throw new TemplateError(`the template failed: ${e.message}`);
      }
      if (result.error !== undefined) throw new TemplateError(result.error);
      return result.output!;
    },
    close: async (): Promise<void> => { await pool?.destroy(); },
  };
}
export type TemplateRenderer = ReturnType<typeof createTemplateRenderer>;

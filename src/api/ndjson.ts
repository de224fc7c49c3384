// NDJSON (newline-delimited JSON) answers: whether a request's Accept header prefers it to JSON,
// and a stream writing one JSON value per line, pulled as the client reads (backpressure).
import { Readable } from 'node:stream';

export const NDJSON = 'application/x-ndjson';

/** The q of each media range of an Accept header, by lower-case type (`*\/*` included). */
function qualities(accept: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (!type) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isNaN(q)) out.set(type, Math.max(out.get(type) ?? 0, q));
  }
  return out;
}

/** Whether `accept` names NDJSON, at least as much wanted as JSON (wildcards count for JSON, the default). */
export function prefersNdjson(accept: string | undefined): boolean {
  if (!accept) return false;
  const q = qualities(accept);
  const ndjson = q.get(NDJSON) ?? 0;
  const json = Math.max(q.get('application/json') ?? 0, q.get('application/*') ?? 0, q.get('*/*') ?? 0);
  return ndjson > 0 && ndjson >= json;
}

/** Each value as one line of JSON, read from `values` only as fast as the stream is consumed. */
export function ndjsonStream(values: AsyncIterable<unknown>): Readable {
  async function* lines(): AsyncGenerator<string> {
    for await (const value of values) yield `${JSON.stringify(value)}\n`;
  }
  return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
}

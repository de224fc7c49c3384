// Reading what a command is given: `@file` or `@-` (stdin) or the text itself, times as ISO 8601
// or "ago" durations (`15m`, `2h`, `7d`), and comma lists. Bad input is a UsageError (exit 2).
import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error.ts';

export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A file's bytes, or stdin's for `-`; an unreadable file is a usage error naming it. */
export async function readSource(path: string): Promise<Buffer> {
  if (path === '-') return readStdin();
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `@file`, `@-` or inline text. */
export async function readValue(value: string): Promise<string> {
  return value.startsWith('@') ? (await readSource(value.slice(1))).toString('utf8') : value;
}

/** JSON text checked (its numbers are kept as written by whoever sends the text itself). */
export function checkJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An ISO 8601 time, or a duration before `now` (`90s`, `15m`, `2h`, `7d`), as ISO 8601. */
export function parseTime(value: string, flag: string, now = Date.now()): string {
  const ago = /^(\d+)([smhd])$/.exec(value.trim());
  if (ago) return new Date(now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]).toISOString();
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`${flag}: "${value}" is neither an ISO 8601 time nor a duration ago (15m, 2h, 7d)`);
  return new Date(at).toISOString();
}

/** `a,b, c` as ['a', 'b', 'c']. */
export function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A positive integer option. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: "${value}" is not a positive integer`);
  return n;
}

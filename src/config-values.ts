// How each kind of variable is read: a zod schema from the environment's text to the value
// Config holds. Unset, empty and blank are the same (`RELAIS_X= relais serve` unsets one for a
// run) and give undefined, which the setting's `.default()` replaces. A bad text is said as
// `"<text>" is not …`; config.ts puts the variable's name in front. Texts that may hold a
// password (database and SMTP URLs) are never repeated, only their scheme.
import { z } from 'zod';
import { parseCidr } from './core/cidr.ts';
import { formatDurationMs, MAX_DURATION_MS, parseDurationMs } from './core/duration.ts';

/** A variable whose text `read` turns into its value, throwing an Error that says what is wrong. */
function variable<T>(read: (text: string) => T) {
  return z.string().optional().transform((text, ctx): T | undefined => {
    if (text === undefined || text.trim() === '') return undefined;
    try {
      return read(text);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: (err as Error).message, input: text });
      return z.NEVER;
    }
  });
}

const items = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);
const quoted = (list: readonly string[]): string => list.map((s) => `"${s}"`).join(', ');

export const text = () => variable((t) => t);

export function int({ min, max }: { min: number; max?: number }) {
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  return variable((t) => {
    const value = /^\d{1,15}$/.test(t.trim()) ? Number(t) : NaN;
    if (!(value >= min && value <= (max ?? Infinity))) throw new Error(`"${t}" is not a whole number ${range}`);
    return value;
  });
}

function boundedDuration(t: string, minMs: number, maxMs: number): number {
  const ms = parseDurationMs(t); // its error quotes the text and shows how to write one
  if (ms < minMs) throw new Error(`"${t.trim()}" is shorter than ${formatDurationMs(minMs)}`);
  if (ms > maxMs) throw new Error(`"${t.trim()}" is longer than ${formatDurationMs(maxMs)}`);
  return ms;
}

/** `250ms`, `5s`, `5m`, `2h`, `5d` or `0`, in milliseconds. */
export function duration({ minMs = 0, maxMs = MAX_DURATION_MS }: { minMs?: number; maxMs?: number } = {}) {
  return variable((t) => boundedDuration(t, minMs, maxMs));
}

/** Comma-separated durations; none (`,`) is unset. */
export function durations({ maxMs, most }: { maxMs: number; most: number }) {
  return variable((t) => {
    const list = items(t);
    if (list.length > most) throw new Error(`${list.length} delays is more than ${most}`);
    return list.length ? list.map((d) => boundedDuration(d, 0, maxMs)) : undefined;
  });
}

const ON = ['on', 'true', 'yes', '1'];
const OFF = ['off', 'false', 'no', '0'];
export const onOff = () => variable((t) => {
  const word = t.trim().toLowerCase();
  if (ON.includes(word)) return true;
  if (OFF.includes(word)) return false;
  throw new Error(`"${t}" is not on or off (or true/false, yes/no, 1/0)`);
});

export function oneOf<V extends string>(values: readonly V[]) {
  return variable((t) => {
    const value = values.find((v) => v === t.trim());
    if (value === undefined) throw new Error(`"${t}" is not one of ${values.join(', ')}`);
    return value;
  });
}

/** A comma-separated choice among `values`; none (`,`) is unset. */
export function someOf<V extends string>(values: readonly V[]) {
  return variable((t) => {
    const list = items(t);
    const unknown = list.filter((s) => !values.some((v) => v === s));
    if (unknown.length) throw new Error(`${quoted(unknown)} ${unknown.length > 1 ? 'are not' : 'is not'} one of ${values.join(', ')} (comma-separated)`);
    return list.length ? values.filter((v) => list.includes(v)) : undefined;
  });
}

/** Comma-separated IP addresses and CIDRs, kept as written (the SSRF guard parses them again). */
export const cidrs = () => variable((t) => {
  const list = items(t);
  const bad = list.filter((s) => !parseCidr(s));
  if (bad.length) throw new Error(`${quoted(bad)} ${bad.length > 1 ? 'are not IP addresses or CIDRs' : 'is not an IP address or CIDR'} (e.g. 10.0.0.5, 127.0.0.0/8, ::1)`);
  return list;
});

const scheme = (t: string): string | undefined => (URL.canParse(t) ? new URL(t).protocol : undefined);

/** An http(s) address, without its trailing slashes (paths are appended to it). */
export const httpUrl = () => variable((t) => {
  if (!/^https?:$/.test(scheme(t) ?? '')) throw new Error(`"${t}" is not an http(s) URL`);
  return t.replace(/\/+$/, '');
});

/** A URL of one of `schemes` (`postgres:`), else an error naming its scheme only: the rest may hold a password. */
function urlOf(schemes: readonly string[], hint: string) {
  return variable((t) => {
    const found = scheme(t);
    if (found !== undefined && schemes.includes(found)) return t;
    const shown = found === undefined ? undefined : `${found}${t.startsWith(`${found}//`) ? '//' : ''}…`;
    throw new Error(`${shown === undefined ? 'not a URL' : `"${shown}" is not supported`}: ${hint}`);
  });
}

export const postgresUrl = () => urlOf(['postgres:', 'postgresql:'], 'write postgres://… or postgresql://… (or leave it unset for SQLite at RELAIS_DB)');
export const smtpUrl = () => urlOf(['smtp:', 'smtps:'], 'write smtp://… or smtps://… (e.g. smtp://user:pass@host:587)');

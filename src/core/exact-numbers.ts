// JSON numbers as the producer wrote them. JSON.parse makes each number a double and
// JSON.stringify writes the double back: 12345678901234567890 comes out 12345678901234567000,
// 1250.0 as 1250, 1e3 as 1000, -0.0 as 0. The JSON payloads must carry the producer's text, so
// ingest keeps it. A scan of the text finds whether any number would be written otherwise (almost
// never); only then is the text parsed again, each such number stood in for by a marker string,
// and the parts to store written back with the markers replaced by the numbers' texts. Both
// passes are JSON.parse/JSON.stringify's own: key order and duplicate keys come out as they do
// today, at their speed (lossless-json's parser took 27 ms on a 250 KB batch this keeps in 4).
// What reasons about data (schemas, filters, conditions, templates) still sees plain numbers.

/** An event's JSON as stored, numbers as the producer wrote them (data, and previous and changes when sent). */
export interface ExactEventJson {
  data: string;
  previous: string | undefined;
  changes: string | undefined;
}

/** A parsed JSON value whose altered numbers stand as markers; `json` writes any part of it with their texts. */
export interface ExactJson {
  value: unknown;
  json(part: unknown): string;
  /** Any JSON text written from parts of `value` (by another writer than `json`), markers replaced by the numbers' texts, or by what `write` makes of them. */
  restore(text: string, write?: (number: string) => string): string;
  /** The altered numbers' texts, by marker index (`"\u0000<index>"` in `value`). */
  numbers: readonly string[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
/**
 * Up to 15 significant digits a decimal comes back the same from a double (DBL_DIG), so its
 * shortest form is itself: unless it ends in a zero after the point, is -0, or is small enough
 * to be written with an exponent (below 1e-6).
 */
const SAFE_DIGITS = 15;

const isDigit = (c: number): boolean => c >= ZERO && c <= 0x39;
const isExponent = (c: number): boolean => c === 0x65 || c === 0x45;

/** Whether JSON.stringify(JSON.parse(token)) writes this number token otherwise. */
export function numberAltered(token: string): boolean {
  return String(Number(token)) !== token;
}

/** The index after the string whose opening quote is just before `from` (strings skipped at indexOf's speed). */
function afterString(text: string, from: number): number {
  for (let q = text.indexOf('"', from); q !== -1; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q + 1;
  }
  return text.length;
}

function afterDigits(text: string, i: number): number {
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

/**
 * The altered numbers of a JSON text (valid JSON: parse it first), as [start, end) pairs; the
 * first one only when `all` is false. One pass, strings skipped whole, and the usual numbers
 * (integers and decimals of up to 15 digits) judged by their shape without converting them.
 */
function alteredSpans(text: string, all: boolean): number[] {
  const spans: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i + 1);
      continue;
    }
    if (c !== MINUS && !isDigit(c)) {
      i++;
      continue;
    }
    const start = i;
    const intStart = c === MINUS ? i + 1 : i;
    i = afterDigits(text, intStart);
    const intDigits = i - intStart;
    let fracDigits = 0;
    if (text.charCodeAt(i) === DOT) {
      i = afterDigits(text, i + 1);
      fracDigits = i - intStart - intDigits - 1;
    }
    let exponent = false;
    if (isExponent(text.charCodeAt(i))) {
      exponent = true;
      const sign = text.charCodeAt(i + 1);
      i = afterDigits(text, sign === MINUS || sign === PLUS ? i + 2 : i + 1);
    }
    const zeroInt = text.charCodeAt(intStart) === ZERO;
    const plain = !exponent && intDigits + fracDigits <= SAFE_DIGITS && (fracDigits === 0
      ? !(zeroInt && c === MINUS) // -0
      : text.charCodeAt(i - 1) !== ZERO && !(zeroInt && text.startsWith('000000', intStart + 2)));
    if (plain || !numberAltered(text.slice(start, i))) continue;
    spans.push(start, i);
    if (!all) break;
  }
  return spans;
}

/** Whether some number in this JSON text (valid JSON) would not be written back as it is. */
export const numbersAltered = (text: string): boolean => alteredSpans(text, false).length > 0;

// A marker is a string no accepted input holds: a NUL (refused in every string by
// json-limits.ts) then the number's index. JSON.stringify writes it as `"\u0000<index>"`, a text
// that a string of the input (written `\\u0000…`) can never produce.
const MARKER = /"\\u0000(\d+)"/g;

/**
 * The JSON text parsed with each altered number as a marker, or undefined when there is none
 * (JSON.parse and JSON.stringify then do). For text JSON.parse and the input limits accepted: no
 * string in it holds a NUL.
 */
export function parseExact(text: string): ExactJson | undefined {
  const spans = alteredSpans(text, true);
  if (spans.length === 0) return undefined;
  const numbers: string[] = [];
  let marked = '';
  let from = 0;
  for (let k = 0; k < spans.length; k += 2) {
    numbers.push(text.slice(spans[k], spans[k + 1]));
    marked += `${text.slice(from, spans[k])}"\\u0000${k / 2}"`;
    from = spans[k + 1]!;
  }
  marked += text.slice(from);
  const value: unknown = JSON.parse(marked);
  const restore = (json: string, write = (number: string) => number): string =>
    json.replace(MARKER, (marker, k: string) => {
      const number = numbers[Number(k)];
      return number === undefined ? marker : write(number);
    });
  return { value, json: (part) => restore(JSON.stringify(part ?? null)), restore, numbers };
}

/** The texts to store for one event of a parseExact body (`event` a part of its value); none for a null previous or changes (stored as null). */
export function exactEventJson(exact: ExactJson, event: unknown): ExactEventJson {
  const { data, previous, changes } = (event ?? {}) as Record<string, unknown>;
  return {
    data: exact.json(data),
    previous: previous === undefined || previous === null ? undefined : exact.json(previous),
    changes: changes === undefined || changes === null ? undefined : exact.json(changes),
  };
}

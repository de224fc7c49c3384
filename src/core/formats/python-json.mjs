// JSON as Python's json.dumps writes it by default: ", " and ": " between items, every character
// outside printable ASCII escaped as \uXXXX (ensure_ascii; DEL too). Frappe sends its webhook
// bodies so; a receiver that compares bytes, or a signature made by Frappe over the same object,
// sees the same text. Plain JavaScript, typed by python-json.d.mts: the template children
// (render/render-worker.mjs, forked without the TypeScript loader) run this same code.
const escapeNonAscii = (json) =>
  json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Python's repr() of a float: the shortest digits, in exponent form below 1e-4 and from 1e16. */
export function pythonFloat(x) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponent] = x.toExponential().split('e');
  const e = Number(exponent);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const fixed = String(x); // JavaScript writes this range without an exponent too
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/**
 * A number that is a Python float: json.dumps writes `1248.0` where JavaScript has no float kind
 * to tell 1248.0 from 1248 (a template's float values, render/frappe-filters.mjs).
 */
export class PythonFloat {
  constructor(value) {
    this.value = value;
  }
}

/** json.dumps of a float: its repr, but NaN and Infinity as JavaScript's JSON extensions name them. */
function floatJson(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pythonFloat(x);
}

/** json.dumps(json.loads(text)) of a JSON number's text: a float when it has a point or an exponent, else an exact int. */
export const pythonNumber = (text) => (/[.eE]/.test(text) ? floatJson(Number(text)) : BigInt(text).toString());

/**
 * `options.sortKeys`: as json.dumps(sort_keys=True); `options.readNumbers`: numbers as Python's
 * json.loads would have read them, so that a number that is not whole is a float (0.00001 is
 * written 1e-05), as json.dumps(json.loads(text)) writes it.
 */
export function pythonJson(value, options = {}) {
  if (typeof value === 'bigint') return value.toString(); // an int too big for a double, exact
  if (value instanceof PythonFloat) return floatJson(value.value);
  if (options.readNumbers && typeof value === 'number' && !Number.isInteger(value)) return floatJson(value);
  if (value === null || typeof value !== 'object') return escapeNonAscii(JSON.stringify(value ?? null));
  if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v, options)).join(', ')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (options.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${escapeNonAscii(JSON.stringify(k))}: ${pythonJson(v, options)}`).join(', ')}}`;
}

const WHITESPACE = /[ \t\n\r]/;
const NUMBER_CHAR = /[-+.\deE]/;

/**
 * json.dumps(json.loads(text)) for a valid JSON text, written token by token so that keys keep
 * their written order (JSON.parse puts integer-like keys first; Python's dict keeps the order):
 * strings as json.dumps escapes them, numbers as Python reads them, ", " and ": " between items.
 * Undefined when an object repeats a key (Python keeps the first place and the last value): the
 * caller then writes from the parsed value.
 */
export function pythonRedump(text) {
  let out = '';
  const keys = []; // per open object, the keys seen; null for an array
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (WHITESPACE.test(c)) { i++; continue; }
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const value = JSON.parse(text.slice(i, end + 1));
      if (expectKey) {
        const seen = keys.at(-1);
        if (seen.has(value)) return undefined;
        seen.add(value);
        expectKey = false;
      }
      out += escapeNonAscii(JSON.stringify(value));
      i = end + 1;
    } else if (c === '{' || c === '[') {
      keys.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
      out += c;
      i++;
    } else if (c === '}' || c === ']') {
      keys.pop();
      expectKey = false;
      out += c;
      i++;
    } else if (c === ',') {
      expectKey = keys.at(-1) instanceof Set;
      out += ', ';
      i++;
    } else if (c === ':') {
      out += ': ';
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end])) end++;
      out += pythonNumber(text.slice(i, end));
      i = end;
    } else {
      const word = text.startsWith('true', i) ? 'true' : text.startsWith('false', i) ? 'false' : 'null';
      out += word;
      i += word.length;
    }
  }
  return out;
}

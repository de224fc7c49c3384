// Frappe's Jinja filters (frappe/utils/jinja.py, set_filters) with Python's meaning, on the
// interpreter's values: json = frappe.as_json, len, int = cint, str = cstr, flt. And the small,
// pure part of frappe.utils that Frappe's webhook templates reach as `utils` / `frappe.utils`.
// Plain JavaScript: the render children run it without the TypeScript loader.
import { PythonFloat, pythonFloat, pythonJson } from '../core/formats/python-json.mjs';
import { FloatValue, FunctionValue, IntegerValue, ObjectValue, StringValue, UNDEFINED, splitKeywords } from './jinja-values.mjs';

const PYTHON_TYPES = {
  NullValue: 'NoneType', UndefinedValue: 'Undefined', BooleanValue: 'bool', IntegerValue: 'int', FloatValue: 'float',
  StringValue: 'str', ArrayValue: 'list', TupleValue: 'tuple', ObjectValue: 'dict', NamespaceValue: 'Namespace', FunctionValue: 'function',
};
const pythonType = (value) => PYTHON_TYPES[value.type] ?? value.type;

// Python's int() and float() of text: surrounding spaces, a sign, `_` between digits.
const DIGITS = String.raw`\d(?:_?\d)*`;
const INT_TEXT = new RegExp(`^[+-]?${DIGITS}$`);
const FLOAT_TEXT = new RegExp(`^[+-]?(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS}|${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const FLOAT_WORDS = /^([+-]?)(inf|infinity|nan)$/i;

/** Python's float(text), or undefined where it raises. */
function floatOfText(text) {
  const t = text.trim();
  if (FLOAT_TEXT.test(t)) return Number(t.replaceAll('_', ''));
  const word = FLOAT_WORDS.exec(t);
  if (!word) return undefined;
  if (word[2].toLowerCase() === 'nan') return NaN;
  return word[1] === '-' ? -Infinity : Infinity;
}

/** cint: int(s), else int(float(s)); undefined where both raise (None, lists, dicts, "abc", inf). */
function cint(value) {
  switch (value.type) {
    case 'IntegerValue': return value.value;
    case 'BooleanValue': return value.value ? 1 : 0;
    case 'FloatValue': return Number.isFinite(value.value) ? Math.trunc(value.value) : undefined;
    case 'StringValue': {
      const text = value.value.trim();
      if (INT_TEXT.test(text)) return Number(text.replaceAll('_', ''));
      const f = floatOfText(text);
      return f !== undefined && Number.isFinite(f) ? Math.trunc(f) : undefined;
    }
    default: return undefined;
  }
}

/** flt's float: commas dropped from text, 0 where float() raises. */
function fltNumber(value) {
  switch (value.type) {
    case 'IntegerValue': case 'FloatValue': return value.value;
    case 'BooleanValue': return value.value ? 1 : 0;
    case 'StringValue': return floatOfText(value.value.replaceAll(',', '')) ?? 0;
    default: return 0;
  }
}

/** Python's round(x, 8), but for exact binary ties at the 8th decimal (Python makes those even). */
const round8 = (x) => (Math.abs(x) < 1e21 ? Number(x.toFixed(8)) : x);

/**
 * frappe.utils.rounded with its default method, "Banker's Rounding (legacy)": a half goes to the
 * even integer at precision 0 and up otherwise. An int at precision 0, a float otherwise; 0.0
 * where Python raises (inf, nan).
 */
function rounded(num, precision) {
  const multiplier = 10 ** precision;
  const n = round8(precision ? num * multiplier : num);
  if (!Number.isFinite(n)) return new FloatValue(0);
  const floor = Math.floor(n);
  const half = n - floor === 0.5;
  const r = half ? (precision || floor % 2 !== 0 ? floor + 1 : floor) : Math.round(n);
  return precision ? new FloatValue(r / multiplier) : new IntegerValue(r);
}

/** Python's repr() of a str: single quotes unless only double quotes avoid escaping. */
function quote(s) {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escaped = s.replace(/[\\'"\p{C}\p{Z}]/gu, (c) => {
    if (c === '\\') return '\\\\';
    if (c === q) return `\\${q}`;
    if (c === "'" || c === '"' || c === ' ') return c;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.codePointAt(0);
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code < 0x10000 ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  });
  return q + escaped + q;
}

const intText = (n) => (Number.isSafeInteger(n) ? String(n) : BigInt(n).toString());

function pythonRepr(value) {
  switch (value.type) {
    case 'NullValue': case 'UndefinedValue': return 'None';
    case 'BooleanValue': return value.value ? 'True' : 'False';
    case 'IntegerValue': return value.text ?? intText(value.value);
    case 'FloatValue': return pythonFloat(value.value);
    case 'StringValue': return quote(value.value);
    case 'ArrayValue': return `[${value.value.map(pythonRepr).join(', ')}]`;
    case 'TupleValue': return value.value.length === 1 ? `(${pythonRepr(value.value[0])},)` : `(${value.value.map(pythonRepr).join(', ')})`;
    case 'ObjectValue': case 'KeywordArgumentsValue': return `{${[...value.value].map(([k, v]) => `${quote(k)}: ${pythonRepr(v)}`).join(', ')}}`;
    case 'NamespaceValue': return `<Namespace {${[...value.value].map(([k, v]) => `${quote(k)}: ${pythonRepr(v)}`).join(', ')}}>`;
    default: return `<${pythonType(value)}>`;
  }
}

/** Python's str(): a str as it is, anything else as its repr (None, True, 1.0, ['a']). */
export const pythonStr = (value) => (value.type === 'StringValue' ? value.value : pythonRepr(value));

/** cstr: str(), but None (and Jinja's Undefined) is ''. */
const cstr = (value) => (value.type === 'NullValue' || value.type === 'UndefinedValue' ? '' : pythonStr(value));

/** len(): a str's length in code points, as Python counts; Jinja's Undefined is 0 long. */
function len(value) {
  switch (value.type) {
    case 'StringValue': {
      let n = 0;
      for (const _ of value.value) n++;
      return n;
    }
    case 'ArrayValue': case 'TupleValue': return value.value.length;
    case 'ObjectValue': return value.value.size;
    case 'UndefinedValue': return 0;
    default: throw new TypeError(`object of type '${pythonType(value)}' has no len()`);
  }
}

/** A value as JSON's kinds; a function cannot be written, as Python's json raises. */
function toData(value) {
  switch (value.type) {
    case 'ArrayValue': case 'TupleValue': return value.value.map(toData);
    case 'ObjectValue': case 'KeywordArgumentsValue': case 'NamespaceValue':
      return Object.fromEntries([...value.value].map(([k, v]) => [k, toData(v)]));
    case 'FunctionValue': throw new TypeError('Object of type function is not JSON serializable');
    case 'NullValue': case 'UndefinedValue': return null; // the library's None holds undefined
    case 'FloatValue': return new PythonFloat(value.value); // json.dumps writes 180.0, not 180
    case 'IntegerValue': return value.text !== undefined && !Number.isSafeInteger(value.value) ? BigInt(value.text) : value.value;
    default: return value.value;
  }
}

/**
 * Each filter: (operand, positional arguments, keyword arguments) → value. `json` is as_json's
 * keys sorted, written as json.dumps writes them by default (", ", ": ", \uXXXX) rather than with
 * as_json's one-space indent: Frappe parses the rendered body and sends json.dumps of it, so that
 * is what its receivers get of an as_json fragment.
 */
export const FILTERS = new Map([
  ['json', (value) => new StringValue(pythonJson(toData(value), { sortKeys: true }))],
  ['len', (value) => new IntegerValue(len(value))],
  ['int', (value, args, kwargs) => {
    const n = cint(value);
    return n === undefined ? (args[0] ?? kwargs.get('default') ?? new IntegerValue(0)) : new IntegerValue(n);
  }],
  ['str', (value) => new StringValue(cstr(value))],
  ['flt', (value, args, kwargs) => {
    const num = fltNumber(value);
    const precision = args[0] ?? kwargs.get('precision');
    if (precision === undefined || precision.type === 'NullValue' || precision.type === 'UndefinedValue') return new FloatValue(num);
    return rounded(num, cint(precision) ?? 0);
  }],
]);

/** A filter as a function of the same arguments, its operand first: `utils.flt(x, 2)` is `x | flt(2)`. */
const callable = (filter) => new FunctionValue((all) => {
  const [args, kwargs] = splitKeywords(all);
  return filter(args[0] ?? UNDEFINED, args.slice(1), kwargs);
});

/** `YYYY-MM-DD HH:MM:SS.ffffff`, as frappe.utils.now() writes it; in UTC (Relais has no system time zone). */
const nowText = (at) => {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
};

/** frappe.utils for templates: flt, cint, cstr, and now / nowdate / today (read when called). */
export function frappeUtils() {
  const text = (make) => new FunctionValue(() => new StringValue(make(new Date())));
  return new ObjectValue(new Map([
    ['flt', callable(FILTERS.get('flt'))],
    ['cint', callable(FILTERS.get('int'))],
    ['cstr', callable(FILTERS.get('str'))],
    ['now', text(nowText)],
    ['nowdate', text((at) => at.toISOString().slice(0, 10))],
    ['today', text((at) => at.toISOString().slice(0, 10))],
  ]));
}

// The Jinja that tenants' templates run on: @huggingface/jinja's interpreter, extended where the
// library has no hook (its filters are a fixed switch, and it prints None as nothing) by
// subclassing the Interpreter it exports:
// - Frappe's filters json, len, int, str, flt (frappe-filters.mjs), in both dialects: none is a
//   Jinja filter but `int`, and Frappe's int is Jinja's (Python's int(), default 0; the library
//   floored negative floats and refused None);
// - dialect `frappe`: what a template prints is Python's str() of it, as Frappe's Jinja prints it
//   (None for a missing or null value, True/False, 1.0, ['a']), and `utils` / `frappe.utils`
//   hold a small pure part of Frappe's helpers.
// Plain JavaScript: the render children run it without the TypeScript loader. The pool bounds
// what it does in time and heap, render-worker.mjs the size of what it returns.
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { FILTERS, frappeUtils, pythonStr } from './frappe-filters.mjs';
import { ObjectValue, StringValue, restoreNumbers } from './jinja-values.mjs';

/** Statement nodes: they print what their body printed, and the Null they evaluate to is not a printed None. */
const STATEMENTS = new Set(['Program', 'If', 'For', 'Break', 'Continue', 'Set', 'Macro', 'Comment', 'FilterStatement', 'CallStatement']);

/**
 * The library's globals (range, none, True…) as its Template sets them for a render: its
 * setupGlobals is not exported, so one render hands them over in a namespace.
 */
const GLOBALS = (() => {
  const names = ['true', 'false', 'none', 'True', 'False', 'None', 'range', 'strftime_now', 'raise_exception'];
  let found;
  new Template(`{{ keep(namespace(${names.map((n) => `${n}=${n}`).join(', ')})) }}`).render({ keep: (globals) => { found = globals; } });
  return found;
})();

class RelaisInterpreter extends Interpreter {
  constructor(env, dialect) {
    super(env);
    this.dialect = dialect;
  }

  applyFilter(operand, filterNode, environment) {
    const filter = FILTERS.get(filterNode.type === 'CallExpression' ? filterNode.callee.value : filterNode.value);
    if (!filter) return super.applyFilter(operand, filterNode, environment);
    const [args, kwargs] = filterNode.type === 'CallExpression' ? this.evaluateArguments(filterNode.args, environment) : [[], new Map()];
    return filter(operand, args, kwargs);
  }

  evaluateBlock(statements, environment) {
    if (this.dialect !== 'frappe') return super.evaluateBlock(statements, environment);
    let output = '';
    for (const statement of statements) {
      const value = this.evaluate(statement, environment);
      if (!STATEMENTS.has(statement.type)) output += pythonStr(value);
      else if (value.type !== 'NullValue' && value.type !== 'UndefinedValue') output += value.toString();
    }
    return new StringValue(output);
  }
}

/**
 * Renders `source` with `context` (plain data) in `dialect` ('jinja' or 'frappe'); throws what the
 * template does wrong. `numbers`: the texts of the numbers that the context holds as markers
 * (core/exact-numbers.ts), so that 1248.0 is a float and a big integer exact, as in Python.
 */
export function renderTemplate(source, context, dialect = 'jinja', numbers = []) {
  const program = new Template(source).parsed;
  const env = new Environment();
  for (const [name, value] of GLOBALS) env.setVariable(name, value);
  if (dialect === 'frappe') {
    const utils = frappeUtils();
    env.setVariable('utils', utils);
    env.setVariable('frappe', new ObjectValue(new Map([['utils', utils]])));
  }
  for (const [name, value] of Object.entries(context)) {
    const converted = env.set(name, value);
    if (numbers.length > 0) env.variables.set(name, restoreNumbers(converted, numbers));
  }
  return new RelaisInterpreter(env, dialect).run(program).value;
}

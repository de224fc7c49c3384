// The interpreter's values. @huggingface/jinja exports its Environment and Interpreter but not its
// value classes, so they are taken from values the library makes itself: Environment#set converts
// a JavaScript value exactly as the library converts a template's context.
import { Environment } from '@huggingface/jinja';

const scratch = new Environment();

/** A JavaScript value as the interpreter holds it. */
export function toValue(js) {
  const value = scratch.set('v', js);
  scratch.variables.delete('v');
  return value;
}

const classOf = (js) => toValue(js).constructor;
export const StringValue = classOf('');
export const IntegerValue = classOf(0);
export const FloatValue = classOf(0.5);
export const ObjectValue = classOf({});
export const FunctionValue = classOf(() => null);
export const UNDEFINED = toValue(undefined);

/** Positional arguments and keyword arguments of a call (the interpreter passes the latter last, as one value). */
export function splitKeywords(args) {
  const last = args.at(-1);
  return last?.type === 'KeywordArgumentsValue' ? [args.slice(0, -1), last.value] : [args, new Map()];
}

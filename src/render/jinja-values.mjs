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

/**
 * An integer of the event's data written as the producer wrote it (Python's int is exact where a
 * double is not: 12345678901234567890). Arithmetic sees the double; printing sees the text.
 */
export class ExactIntegerValue extends IntegerValue {
  constructor(text) {
    super(Number(text));
    this.text = BigInt(text).toString(); // -0 is 0, as Python's int reads it
  }

  toString() {
    return this.text;
  }
}

const NUMBER_MARKER = /^\u0000(\d+)$/;

/**
 * Puts back, in a converted value, the numbers that core/exact-numbers.ts stood in for by marker
 * strings: a text with a point or an exponent is a float (Python's json reads 1248.0 so), any
 * other an exact integer. Replaces in place; returns the value or its replacement.
 */
export function restoreNumbers(value, numbers) {
  switch (value.type) {
    case 'StringValue': {
      const k = NUMBER_MARKER.exec(value.value)?.[1];
      const text = k === undefined ? undefined : numbers[Number(k)];
      if (text === undefined) return value;
      return /[.eE]/.test(text) ? new FloatValue(Number(text)) : new ExactIntegerValue(text);
    }
    case 'ArrayValue':
      value.value.forEach((item, i) => { value.value[i] = restoreNumbers(item, numbers); });
      return value;
    case 'ObjectValue':
      for (const [key, item] of value.value) value.value.set(key, restoreNumbers(item, numbers));
      return value;
    default:
      return value;
  }
}

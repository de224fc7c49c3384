import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exactEventJson, numberAltered, numbersAltered, parseExact } from './exact-numbers.ts';

/** A small deterministic generator: the same cases on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/** JSON number tokens of every shape: integers, decimals, exponents, signs, trailing zeros, long and tiny. */
function numberToken(r: () => number): string {
  const digits = (n: number, first = false): string => Array.from({ length: n }, (_, i) => String(i === 0 && first ? 1 + Math.floor(r() * 9) : Math.floor(r() * 10))).join('');
  const sign = r() < 0.3 ? '-' : '';
  const int = r() < 0.3 ? '0' : digits(1 + Math.floor(r() * 22), true);
  const frac = r() < 0.5 ? '' : `.${r() < 0.3 ? '0'.repeat(Math.floor(r() * 9)) : ''}${digits(1 + Math.floor(r() * 18))}`;
  const exp = r() < 0.15 ? `${r() < 0.5 ? 'e' : 'E'}${['', '+', '-'][Math.floor(r() * 3)]}${digits(1 + Math.floor(r() * 2))}` : '';
  return `${sign}${int}${frac}${exp}`;
}

describe('exact numbers', () => {
  it('finds exactly the numbers JSON.stringify would write otherwise', () => {
    for (const token of ['12345678901234567890', '1250.0', '1e3', '-0.0', '-0', '1E5', '0.0000001', '1.10', '1e21', '9007199254740993']) {
      assert.ok(numbersAltered(`{"a":${token}}`), token);
    }
    for (const token of ['0', '-1', '1250', '1250.5', '0.5', '-0.25', '0.000001', '123456789012345', '9007199254740991', '0.1']) {
      assert.ok(!numbersAltered(`{"a":${token}}`), token);
    }
    // The shape test passes a number only when converting it would too: checked on many tokens.
    const r = random(7);
    for (let i = 0; i < 20_000; i++) {
      const token = numberToken(r);
      assert.equal(numbersAltered(`[${token}]`), numberAltered(token), token);
    }
  });

  it('reads past strings, keys, escapes and literals', () => {
    assert.ok(!numbersAltered('{"1.0":"2.50","s":"a\\"1.0\\\\","t":true,"f":false,"n":null,"d":"2024-01-05T10:00:00.000Z"}'));
    assert.ok(numbersAltered('{"s":"a\\\\","n":1.0}'), 'an escaped backslash ends the string before the number');
    assert.ok(numbersAltered('{"s":"\\"","n":[1,2,1e2]}'));
    assert.ok(!numbersAltered('"1.0"'));
    assert.ok(numbersAltered('-0.0'));
  });

  it('writes each part with the producer\'s numbers, the rest as JSON.stringify does', () => {
    const text = '{ "type": "x", "data": {"n": 12345678901234567890, "f": 1250.0, "e": 1e3, "neg": -0.0, "s": "x\\u00e9\\"1.0", "10": [1, 2.50, {"k": 0.1}], "dup": 1.0, "dup": 2},'
      + ' "previous": {"f": 1.10}, "changes": null }';
    const exact = parseExact(text);
    assert.ok(exact);
    assert.deepEqual(exactEventJson(exact, exact.value), {
      data: '{"10":[1,2.50,{"k":0.1}],"n":12345678901234567890,"f":1250.0,"e":1e3,"neg":-0.0,"s":"xé\\"1.0","dup":2}',
      previous: '{"f":1.10}',
      changes: undefined,
    });
    assert.equal(exact.json((exact.value as { data: { n: unknown } }).data.n), '12345678901234567890');
    assert.equal(parseExact('{"a":[1,2,"1.0"]}'), undefined, 'nothing to keep: JSON.parse and JSON.stringify do');
  });

  it('writes any document as JSON.stringify does but for the kept numbers', () => {
    const r = random(11);
    const value = (depth: number): string => {
      const x = r();
      if (depth > 3 || x < 0.3) return numberToken(r);
      if (x < 0.45) return JSON.stringify(`s${numberToken(r)}"\\${'\u00e9\u{1F600}'.slice(0, Math.floor(r() * 3))}`);
      if (x < 0.5) return ['true', 'false', 'null'][Math.floor(r() * 3)]!;
      if (x < 0.7) return `[${Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1)).join(' , ')}]`;
      return `{${Array.from({ length: Math.floor(r() * 4) }, (_, i) => `${JSON.stringify(r() < 0.2 ? String(i) : `k${i}`)}: ${value(depth + 1)}`).join(',')}}`;
    };
    for (let i = 0; i < 2_000; i++) {
      const text = value(0);
      const exact = parseExact(text);
      const plain = JSON.stringify(JSON.parse(text));
      if (!exact) {
        assert.ok(!numbersAltered(text), text);
        continue;
      }
      const written = exact.json(exact.value);
      // Read back, the same values; and each number as written appears in it.
      assert.equal(JSON.stringify(JSON.parse(written)), plain, text);
      const numbers = (t: string) => t.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/-?\d[\d.eE+-]*/g) ?? [];
      assert.deepEqual(numbers(written).filter(numberAltered).sort(), numbers(text).filter(numberAltered).sort(), text);
    }
  });
});

// pythonRedump against Python itself: json.dumps(json.loads(text)) for random JSON texts (keys
// that look like integers among others, strings with escapes and non-ASCII, numbers of every
// shape), run through Debian's python3 (installed by .ci/run, as the guides' receivers need it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { pythonRedump } from './python-json.ts';

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

const STRINGS = ['', 'a', 'été', 'q"uote', 'back\\slash', 'line\nbreak\ttab', '\u0001\u007f', '😀', '/slash', '10', 'z'];
const NUMBERS = ['0', '-0', '-0.0', '1.50', '1e3', '1E+2', '3.0e-7', '0.00001', '12345678901234567890', '1250.0', '42', '-17', '2.5', '1e400'];

function value(r: () => number, depth: number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const kind = depth > 3 ? Math.floor(r() * 3) : Math.floor(r() * 5);
  if (kind === 0) return pick(NUMBERS);
  if (kind === 1) return JSON.stringify(pick(STRINGS)).replace('/', r() < 0.5 ? '\\/' : '/');
  if (kind === 2) return pick(['true', 'false', 'null']);
  const n = Math.floor(r() * 4);
  const space = (): string => (r() < 0.3 ? ' \n' : '');
  if (kind === 3) return `[${space()}${Array.from({ length: n }, () => value(r, depth + 1)).join(`,${space()}`)}]`;
  const keys = [...new Set(Array.from({ length: n }, () => pick(['b', 'a', '10', '2', 'k"ey', 'é', '0', '-1', '01'])))];
  return `{${space()}${keys.map((k) => `${JSON.stringify(k)}${space()}:${space()}${value(r, depth + 1)}`).join(',')}}`;
}

describe('pythonRedump: json.dumps(json.loads(text)), as Python writes it', () => {
  it('matches python3 on 400 random texts, key order included', () => {
    const r = random(7);
    const texts = Array.from({ length: 400 }, () => value(r, 0));
    const python = execFileSync('python3', ['-c', 'import json,sys\nfor t in json.load(sys.stdin): print(json.dumps(json.dumps(json.loads(t))))'],
      { input: JSON.stringify(texts), encoding: 'utf8' }).trim().split('\n').map((line) => JSON.parse(line) as string);
    assert.equal(python.length, texts.length);
    texts.forEach((text, i) => assert.equal(pythonRedump(text), python[i], text));
    assert.ok(texts.some((t) => /"10"\s*:/.test(t) && /"b"\s*:/.test(t)), 'integer-like keys beside others were tried');
  });

  it('leaves an object that repeats a key to the caller (Python keeps its first place and last value)', () => {
    assert.equal(pythonRedump('{"a": 1, "b": 2, "a": 3}'), undefined);
    assert.equal(pythonRedump('[{"a": 1}, {"a": 2}]'), '[{"a": 1}, {"a": 2}]');
  });
});

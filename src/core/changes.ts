// `{field: {from, to}}` for the top-level fields whose value differs between two states.
import type { Json } from './model.ts';

/** `sameLeaf`: whether two values that are not === are the same all the same (exact-numbers' markers). */
type SameLeaf = (a: unknown, b: unknown) => boolean;

function same(a: unknown, b: unknown, sameLeaf?: SameLeaf): boolean {
  if (a === b || sameLeaf?.(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sameLeaf));
}

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function diff(previous: unknown, current: unknown, sameLeaf?: SameLeaf): Record<string, { from: Json; to: Json }> {
  if (!isObject(previous) || !isObject(current)) return {};
  const out: Record<string, { from: Json; to: Json }> = {};
  for (const key of new Set([...Object.keys(previous), ...Object.keys(current)])) {
    const from = previous[key] ?? null;
    const to = current[key] ?? null;
    if (!same(from, to, sameLeaf)) out[key] = { from, to };
  }
  return out;
}

// Prefixed, time-ordered ids (`evt_…`, `wh_…`, `dlv_…`, `att_…`): a millisecond timestamp then
// randomness, in Crockford base32, so ids sort by creation and pages can be keyset-paginated.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export type IdPrefix = 'evt' | 'wh' | 'dlv' | 'att' | 'lse' | 'tok' | 'tnt' | 'ntc';

let lastMs = 0;
let lastRandom = Buffer.alloc(10);

function encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Monotonic within a process: ids made in the same millisecond still sort in creation order. */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  if (nowMs <= lastMs) {
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) & 0xff;
      if (lastRandom[i] !== 0) break;
    }
  } else {
    lastMs = nowMs;
    lastRandom = randomBytes(10);
  }
  const time = Buffer.alloc(6);
  time.writeUIntBE(lastMs, 0, 6);
  return `${prefix}_${encode(Buffer.concat([time, lastRandom]))}`;
}

/** The smallest id made at `ms` or later: a keyset bound for "since then" on an id index. */
export function idFloor(prefix: IdPrefix, ms: number): string {
  const time = Buffer.alloc(6);
  time.writeUIntBE(ms, 0, 6);
  return `${prefix}_${encode(Buffer.concat([time, Buffer.alloc(10)]))}`;
}

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { it } from 'node:test';
import { signPageLink, verifyPageLink } from './page-links.ts';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const t0 = 1_800_000_000_000;

it('accepts a link until it expires, then says it expired', () => {
  const token = signPageLink({ tenantId: 'acme', expiresAt: t0 + 3_600_000 }, key);
  assert.match(token, /^rpl_[\w-]+\.[\w-]+$/);
  assert.deepEqual(verifyPageLink(token, key, t0), { ok: true, claims: { tenantId: 'acme', expiresAt: t0 + 3_600_000 } });
  assert.deepEqual(verifyPageLink(token, key, t0 + 3_599_999).ok, true);
  assert.deepEqual(verifyPageLink(token, key, t0 + 3_600_000), { ok: false, reason: 'expired' });
});

it('refuses a link signed with another key, or altered to name another tenant or a later expiry', () => {
  const token = signPageLink({ tenantId: 'acme', expiresAt: t0 + 1000 }, key);
  assert.deepEqual(verifyPageLink(token, otherKey, t0), { ok: false, reason: 'invalid' });
  const [payload, mac] = token.slice(4).split('.') as [string, string];
  for (const claims of [{ t: 'globex', e: t0 + 1000 }, { t: 'acme', e: t0 + 10 ** 9 }]) {
    const altered = `rpl_${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
    assert.deepEqual(verifyPageLink(altered, key, t0), { ok: false, reason: 'invalid' });
  }
  // An expired link that was also tampered with is invalid, not merely expired.
  const stale = `rpl_${Buffer.from(JSON.stringify({ t: 'acme', e: t0 - 1 })).toString('base64url')}.${mac}`;
  assert.deepEqual(verifyPageLink(stale, key, t0), { ok: false, reason: 'invalid' });
  assert.equal(verifyPageLink(`rpl_${payload}.${mac}`, key, t0).ok, true);
});

it('refuses malformed tokens without throwing', () => {
  const good = signPageLink({ tenantId: 'acme', expiresAt: t0 + 1000 }, key);
  for (const bad of ['', 'rpl_', 'rpl_.', 'rls_tnt_x', `${good}.x`, good.replace('rpl_', 'rpx_'), `rpl_${'a'.repeat(2000)}.b`]) {
    assert.deepEqual(verifyPageLink(bad, key, t0), { ok: false, reason: 'invalid' }, bad);
  }
  // A valid MAC over a payload that is not the expected JSON shape.
  const payload = Buffer.from('"just a string"').toString('base64url');
  const mac = createHmac('sha256', key).update(`rpl_${payload}`).digest('base64url');
  assert.deepEqual(verifyPageLink(`rpl_${payload}.${mac}`, key, t0), { ok: false, reason: 'invalid' });
});

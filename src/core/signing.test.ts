import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { secretProblem, sign, signatureHeader, verify } from './signing.ts';

interface Vector { secret: string; id: string; timestamp: number; payload: string; signature: string }
// A copy of the Standard Webhooks known-good vectors: the tests stand alone on a clone with nothing beside it.
const vectors = (JSON.parse(readFileSync(new URL('../../test/fixtures/standard-webhooks.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

describe('signing', () => {
  it('reproduces every known-good Standard Webhooks signature', () => {
    assert.ok(vectors.length >= 2);
    for (const v of vectors) {
      assert.equal(sign({ secret: v.secret, msgId: v.id, timestampS: v.timestamp, body: v.payload }), v.signature);
    }
  });

  it('produces signatures the public library verifies, including a rotation pair', () => {
    const now = Math.floor(Date.now() / 1000);
    const [a, b] = vectors as [Vector, Vector];
    const header = signatureHeader([a.secret, b.secret], { msgId: 'msg_1', timestampS: now, body: '{"x":1}' });
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': header };
    assert.deepEqual(new StandardWebhook(a.secret).verify('{"x":1}', headers), { x: 1 });
    assert.deepEqual(new StandardWebhook(b.secret).verify('{"x":1}', headers), { x: 1 });
    assert.throws(() => new StandardWebhook(a.secret).verify('{"x":2}', headers));
  });

  it('verifies its own signatures and rejects tampering', () => {
    const input = { secret: vectors[0]!.secret, msgId: 'm', timestampS: 1, body: 'b' };
    assert.ok(verify(sign(input), input));
    assert.ok(!verify(sign(input), { ...input, body: 'c' }));
  });

  it('says what is wrong with an unusable secret', () => {
    assert.equal(secretProblem(vectors[0]!.secret), undefined);
    assert.match(secretProblem('nope') ?? '', /whsec_/);
    assert.match(secretProblem('whsec_!!!') ?? '', /base64/);
    assert.match(secretProblem('whsec_YWJj') ?? '', /24 to 64 bytes/);
  });
});

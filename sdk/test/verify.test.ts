// The receivers' verifier: the known-good Standard Webhooks vectors (test/fixtures, from the
// reference library and Svix's docs), signatures made by the `standardwebhooks` package itself,
// both schemes, a rotation's several signatures and several secrets, the timestamp tolerance, and
// refusal of anything altered.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, verifyWebhookSignature, WebhookVerificationError, type VerificationFailure, type VerifyOptions } from '../src/index.ts';

interface Vector { secret: string; id: string; timestamp: number; payload: string; signature: string }
const { vectors } = JSON.parse(readFileSync(new URL('../../test/fixtures/standard-webhooks.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

const headersOf = (v: Pick<Vector, 'id' | 'timestamp' | 'signature'>) => ({ 'webhook-id': v.id, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.signature });
const at = (timestampS: number) => timestampS * 1000;

function refuses(options: VerifyOptions, reason: VerificationFailure): void {
  assert.throws(() => verifyWebhook(options), (err: unknown) => {
    assert.ok(err instanceof WebhookVerificationError, `not a WebhookVerificationError: ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('verifyWebhook: standard', () => {
  it('accepts every known-good vector, at its own time', () => {
    assert.ok(vectors.length >= 2);
    for (const v of vectors) {
      assert.deepEqual(verifyWebhook({ secret: v.secret, headers: headersOf(v), body: v.payload, now: at(v.timestamp) }), JSON.parse(v.payload));
      // As bytes, and with fetch's Headers.
      assert.deepEqual(verifyWebhook({ secret: v.secret, headers: new Headers(headersOf(v)), body: Buffer.from(v.payload), now: new Date(at(v.timestamp)) }), JSON.parse(v.payload));
    }
  });

  it('refuses a vector with its body, id or timestamp changed, or another secret', () => {
    const v = vectors[0]!;
    const now = at(v.timestamp);
    refuses({ secret: v.secret, headers: headersOf(v), body: `${v.payload} `, now }, 'no_matching_signature');
    refuses({ secret: v.secret, headers: headersOf({ ...v, id: `${v.id}x` }), body: v.payload, now }, 'no_matching_signature');
    refuses({ secret: v.secret, headers: headersOf({ ...v, timestamp: v.timestamp + 1 }), body: v.payload, now }, 'no_matching_signature');
    refuses({ secret: newSecret(), headers: headersOf(v), body: v.payload, now }, 'no_matching_signature');
    refuses({ secret: v.secret, headers: headersOf({ ...v, signature: v.signature.replace('v1,', 'v2,') }), body: v.payload, now }, 'no_matching_signature');
  });

  it('accepts what the standardwebhooks package signs, and the package accepts what it accepts', () => {
    const secret = newSecret();
    const signer = new Webhook(secret);
    const body = JSON.stringify({ type: 'order.paid', data: { order: 7, note: 'été ✓' } });
    const when = new Date();
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': signer.sign('msg_1', when, body) };
    assert.deepEqual(verifyWebhook({ secret, headers, body }), JSON.parse(body));
    assert.deepEqual(signer.verify(body, headers), JSON.parse(body));
  });

  it('accepts any of several signatures (a rotation\'s overlap) and any of several secrets', () => {
    const [oldSecret, newer, unrelated] = [newSecret(), newSecret(), newSecret()];
    const when = new Date();
    const body = '{"rotating":true}';
    const sign = (s: string) => new Webhook(s).sign('msg_r', when, body);
    const both = { 'webhook-id': 'msg_r', 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': `${sign(newer)} ${sign(oldSecret)}` };
    assert.deepEqual(verifyWebhook({ secret: oldSecret, headers: both, body }), { rotating: true });
    assert.deepEqual(verifyWebhook({ secret: newer, headers: both, body }), { rotating: true });
    // The receiver knows both secrets while the sender still signs with the old one only.
    const oldOnly = { ...both, 'webhook-signature': sign(oldSecret) };
    assert.deepEqual(verifyWebhook({ secret: [newer, oldSecret], headers: oldOnly, body }), { rotating: true });
    refuses({ secret: [unrelated], headers: both, body }, 'no_matching_signature');
    // Node's http module gives a repeated header as an array.
    assert.deepEqual(verifyWebhook({ secret: newer, headers: { ...both, 'webhook-signature': [sign(oldSecret), sign(newer)] }, body }), { rotating: true });
  });

  it('keys a secret that is not whsec_ by its UTF-8 bytes, as Relais signs a Frappe webhook\'s standard header', () => {
    const secret = 'a frappe secret, été';
    const body = '{"doc":1}';
    const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`msg_f.1700000000.${body}`).digest('base64');
    assert.deepEqual(verifyWebhook({ secret, headers: headersOf({ id: 'msg_f', timestamp: 1700000000, signature: `v1,${signature}` }), body, now: at(1700000000) }), { doc: 1 });
  });

  it('holds the timestamp to the tolerance, both ways (300 s by default)', () => {
    const v = vectors[0]!;
    const base = { secret: v.secret, headers: headersOf(v), body: v.payload };
    verifyWebhook({ ...base, now: at(v.timestamp + 300) });
    verifyWebhook({ ...base, now: at(v.timestamp - 300) });
    refuses({ ...base, now: at(v.timestamp + 301) }, 'timestamp_too_old');
    refuses({ ...base, now: at(v.timestamp - 301) }, 'timestamp_too_new');
    verifyWebhook({ ...base, now: at(v.timestamp + 3_000), toleranceSeconds: 3_600 });
    refuses({ ...base, now: at(v.timestamp + 11), toleranceSeconds: 10 }, 'timestamp_too_old');
    // Without `now`: today, years after the vector.
    refuses(base, 'timestamp_too_old');
    refuses({ ...base, headers: { ...base.headers, 'webhook-timestamp': '1614265330.5' }, now: at(v.timestamp) }, 'invalid_timestamp');
  });

  it('names a missing header, and refuses to verify with no secret', () => {
    const v = vectors[0]!;
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const headers: Record<string, string> = headersOf(v);
      delete headers[name];
      assert.throws(() => verifyWebhook({ secret: v.secret, headers, body: v.payload, now: at(v.timestamp) }), (err: WebhookVerificationError) => err.reason === 'missing_header' && err.message.includes(name));
    }
    refuses({ secret: [], headers: headersOf(v), body: v.payload, now: at(v.timestamp) }, 'invalid_secret');
    refuses({ secret: '', headers: headersOf(v), body: v.payload, now: at(v.timestamp) }, 'invalid_secret');
  });

  it('reads header names in any case', () => {
    const v = vectors[1]!;
    const headers = { 'Webhook-Id': v.id, 'WEBHOOK-TIMESTAMP': String(v.timestamp), 'Webhook-Signature': v.signature };
    assert.deepEqual(verifyWebhook({ secret: v.secret, headers, body: v.payload, now: at(v.timestamp) }), JSON.parse(v.payload));
  });

  it('says when a well-signed body is not JSON, and verifyWebhookSignature answers its text', () => {
    const secret = newSecret();
    const when = new Date();
    const body = 'order=7&status=paid';
    const headers = { 'webhook-id': 'msg_form', 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_form', when, body) };
    refuses({ secret, headers, body }, 'invalid_json');
    assert.equal(verifyWebhookSignature({ secret, headers, body: Buffer.from(body) }), body);
  });
});

describe('verifyWebhook: frappe', () => {
  const secret = 'frappe-secret-0123456789';
  const body = '{"name": "SO-0001", "grand_total": 1250.0}';
  const signature = createHmac('sha256', secret).update(body).digest('base64');

  it('accepts base64(HMAC-SHA256(secret as UTF-8, body)) in X-Frappe-Webhook-Signature, with no timestamp', () => {
    assert.deepEqual(verifyWebhook({ scheme: 'frappe', secret, headers: { 'X-Frappe-Webhook-Signature': signature }, body }), JSON.parse(body));
    // The previous secret still known during a rotation.
    assert.deepEqual(verifyWebhook({ scheme: 'frappe', secret: ['the-new-one', secret], headers: { 'x-frappe-webhook-signature': signature }, body }), JSON.parse(body));
  });

  it('refuses another body or secret, and a missing header', () => {
    refuses({ scheme: 'frappe', secret, headers: { 'x-frappe-webhook-signature': signature }, body: body.replace('1250.0', '1250') }, 'no_matching_signature');
    refuses({ scheme: 'frappe', secret: `${secret}x`, headers: { 'x-frappe-webhook-signature': signature }, body }, 'no_matching_signature');
    refuses({ scheme: 'frappe', secret, headers: { 'webhook-signature': `v1,${signature}` }, body }, 'missing_header');
    refuses({ scheme: 'frappe', secret, headers: { 'x-frappe-webhook-signature': signature.slice(0, -4) }, body }, 'no_matching_signature');
  });
});

// The SDK as an application installs it: by its package name, through its `exports` (the build in
// sdk/dist, which the root build makes first), with nothing but openapi-fetch at run time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as sdk from 'relais-sdk';
import { verifyWebhook } from 'relais-sdk/verify';

describe('the relais-sdk package', () => {
  it('exports the client, its error and the verifier from its build', () => {
    assert.equal(typeof sdk.Relais, 'function');
    assert.equal(typeof sdk.createRelaisClient, 'function');
    assert.equal(typeof sdk.RelaisApiError, 'function');
    assert.equal(sdk.verifyWebhook, verifyWebhook);
    const client = sdk.createRelaisClient({ baseUrl: 'http://127.0.0.1:1/', token: 't' });
    assert.equal(client.baseUrl, 'http://127.0.0.1:1');
    assert.ok(import.meta.resolve('relais-sdk').endsWith('/sdk/dist/index.js'), import.meta.resolve('relais-sdk'));
  });

  it('verifies a known-good vector from the build', () => {
    const { vectors } = JSON.parse(readFileSync(new URL('../../test/fixtures/standard-webhooks.json', import.meta.url), 'utf8')) as { vectors: { secret: string; id: string; timestamp: number; payload: string; signature: string }[] };
    const v = vectors[0]!;
    const headers = { 'webhook-id': v.id, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.signature };
    assert.deepEqual(verifyWebhook({ secret: v.secret, headers, body: v.payload, now: v.timestamp * 1000 }), JSON.parse(v.payload));
  });

  it('depends on openapi-fetch alone', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(pkg.dependencies), ['openapi-fetch']);
  });
});

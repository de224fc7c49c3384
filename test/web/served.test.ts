// `relais serve`, as `npm start` runs it from the sources, serves the page: no build step.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killChild, spawnRelais, type Child } from '../helpers/child.ts';
import { makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { testEnv } from '../helpers/relais.ts';

describe('the page as relais serve serves it', () => {
  let fixture: EngineFixture;
  let child: Child;
  before(async () => {
    fixture = await makeEngine('sqlite');
    child = await spawnRelais(testEnv(fixture));
  });
  after(async () => {
    await killChild(child);
    await fixture.dispose();
  });

  it('prints where the API and the page are', () => {
    assert.match(child.output(), /API and page:\s+http:\/\/127\.0\.0\.1:\d+ {3}\(API docs: http:\/\/127\.0\.0\.1:\d+\/docs\)/);
  });

  it('serves the page at / with its script and stylesheet, built at start', async () => {
    const res = await fetch(`${child.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="(assets\/app\.[0-9a-f]{12}\.(?:js|css))"/g)].map((m) => m[1]!);
    assert.equal(assets.length, 2, html);
    for (const path of assets) {
      const asset = await fetch(`${child.url}/${path}`);
      assert.equal(asset.status, 200, path);
      assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
      assert.ok((await asset.text()).length > 1000, path);
    }
    const missing = await fetch(`${child.url}/assets/app.000000000000.js`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /problem\+json/);
  });
});

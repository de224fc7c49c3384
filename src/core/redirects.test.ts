import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttemptRequest } from './model.ts';
import { nextHop } from './redirects.ts';

const post: AttemptRequest = {
  method: 'POST', url: 'http://a.example/hooks/in?x=1',
  headers: { 'content-type': 'application/json', 'webhook-signature': 'v1,abc', authorization: 'Bearer t', 'x-api-key': 'k' },
  body: '{"a":1}',
};

describe('nextHop', () => {
  it('leaves any other answer, or a redirect without Location, as the answer', () => {
    for (const status of [200, 300, 304, 404, 500]) assert.equal(nextHop(post, status, 'http://b.example/'), null);
    assert.equal(nextHop(post, 302, undefined), null);
    assert.equal(nextHop(post, 302, ''), null);
  });

  it('307 and 308 keep the method, the body and every header', () => {
    for (const status of [307, 308]) {
      const next = nextHop(post, status, '/moved');
      assert.ok(next && 'follow' in next);
      assert.deepEqual(next.follow, { ...post, url: 'http://a.example/moved' });
      assert.deepEqual(next.redirect, { status, method: 'POST', url: 'http://a.example/moved' });
    }
  });

  it('301, 302 and 303 turn a request with a body into a GET without one, and drop its Content-Type', () => {
    for (const status of [301, 302, 303]) for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const next = nextHop({ ...post, method }, status, 'next');
      assert.ok(next && 'follow' in next);
      assert.equal(next.follow.method, 'GET');
      assert.equal(next.follow.body, '');
      assert.equal(next.follow.url, 'http://a.example/hooks/next', 'relative to the URL that answered');
      assert.equal(next.follow.headers['content-type'], undefined);
      assert.equal(next.follow.headers['webhook-signature'], 'v1,abc');
    }
  });

  it('sends credentials headers to the same origin or its https upgrade only', () => {
    const same = nextHop(post, 307, 'https://a.example/secure');
    assert.ok(same && 'follow' in same);
    assert.equal(same.follow.headers.authorization, 'Bearer t');
    const other = nextHop(post, 307, 'http://b.example/in');
    assert.ok(other && 'follow' in other);
    assert.equal(other.follow.headers.authorization, undefined);
    assert.equal(other.follow.headers['x-api-key'], 'k', 'the webhook\'s own header rows go on');
    assert.equal(other.follow.headers['webhook-signature'], 'v1,abc');
    const port = nextHop(post, 307, 'http://a.example:8080/in');
    assert.ok(port && 'follow' in port);
    assert.equal(port.follow.headers.authorization, undefined);
  });

  it('refuses what may not be followed, without echoing credentials', () => {
    const refused = (location: string) => {
      const next = nextHop(post, 302, location);
      assert.ok(next && 'refused' in next, location);
      return next.refused;
    };
    assert.match(refused('ftp://a.example/x'), /only http and https/);
    assert.match(refused('file:///etc/passwd'), /only http and https/);
    const withCredentials = refused('http://user:s3cret@b.example/x');
    assert.match(withCredentials, /credentials/);
    assert.doesNotMatch(withCredentials, /s3cret/);
    assert.match(refused('http://[::1'), /not a URL/);
  });

  it('drops the fragment', () => {
    const next = nextHop(post, 308, 'http://b.example/x?y=2#frag');
    assert.ok(next && 'follow' in next);
    assert.equal(next.follow.url, 'http://b.example/x?y=2');
  });
});

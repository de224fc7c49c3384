import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressAllowed, parseCidrs } from './ssrf.ts';

describe('SSRF guard', () => {
  it('refuses loopback, private, link-local and other special ranges by default', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '224.0.0.1', 'not-an-ip']) {
      assert.equal(addressAllowed(a, []), false, a);
    }
  });

  it('lets public unicast addresses through', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) assert.equal(addressAllowed(a, []), true, a);
  });

  it('lets RELAIS_ALLOW_TARGETS ranges through', () => {
    const allow = parseCidrs(['127.0.0.0/8', '10.0.0.5']);
    assert.ok(addressAllowed('127.0.0.1', allow));
    assert.ok(addressAllowed('::ffff:127.0.0.1', allow));
    assert.ok(addressAllowed('10.0.0.5', allow));
    assert.ok(!addressAllowed('10.0.0.6', allow));
    assert.throws(() => parseCidrs(['nope']), /RELAIS_ALLOW_TARGETS/);
  });
});

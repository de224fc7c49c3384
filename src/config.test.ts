// Reading the environment: defaults, the switches this file adds, and bad values named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';

describe('config', () => {
  it('runs the dispatcher in its own thread unless told not to', () => {
    assert.equal(loadConfig({}).dispatchThread, true);
    for (const off of ['off', 'false', '0', 'NO']) assert.equal(loadConfig({ RELAIS_DISPATCH_THREAD: off }).dispatchThread, false, off);
    for (const on of ['on', 'true', '1', 'yes']) assert.equal(loadConfig({ RELAIS_DISPATCH_THREAD: on }).dispatchThread, true, on);
  });

  it('names a variable whose value it cannot read', () => {
    assert.throws(() => loadConfig({ RELAIS_DISPATCH_THREAD: 'sometimes' }), /RELAIS_DISPATCH_THREAD must be on or off, got "sometimes"/);
    assert.throws(() => loadConfig({ RELAIS_CONCURRENCY: '0' }), /RELAIS_CONCURRENCY must be an integer ≥ 1/);
  });

  it('keeps an eighth of the dispatcher\'s slots in reserve, with room for four tenants\' guarantees', () => {
    assert.deepEqual([loadConfig({}).tenantReserve, loadConfig({}).tenantGuarantee], [16, 4]);
    const small = loadConfig({ RELAIS_CONCURRENCY: '16' });
    assert.deepEqual([small.tenantReserve, small.tenantGuarantee], [2, 1]);
    assert.equal(loadConfig({ RELAIS_CONCURRENCY: '1' }).tenantReserve, 0);
    assert.equal(loadConfig({ RELAIS_TENANT_RESERVE: '0' }).tenantReserve, 0, 'off');
    assert.throws(() => loadConfig({ RELAIS_CONCURRENCY: '8', RELAIS_TENANT_RESERVE: '8' }), /RELAIS_TENANT_RESERVE must be below RELAIS_CONCURRENCY \(8\)/);
  });

  it('gives each process an id of its own, for its NOTIFYs', () => {
    assert.notEqual(loadConfig({}).processId, loadConfig({}).processId);
  });
});

// Without RELAIS_ALLOW_TARGETS, a webhook cannot reach this machine, by address or by name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { relaisWithReceiver, seed } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

interface Detail { status: string; attempts: { error: { kind: string; message: string } | null }[] }

for (const engine of ENGINES) {
  describe(`SSRF guard: ${engine}`, () => {
    const suite = relaisWithReceiver(engine, { RELAIS_ALLOW_TARGETS: '', RELAIS_RETRY_SCHEDULE: '0' });

    for (const [name, host] of [['a literal loopback address', '127.0.0.1'], ['a name resolving to loopback', 'localhost']] as const) {
      it(`blocks ${name}`, async () => {
        const tenant = `ssrf-${host.replace(/\W/g, '')}`;
        const port = new URL(suite.receiver.url).port;
        await seed(suite.t, `http://${host}:${port}/internal`, { tenant, type: 'ssrf.event' });
        await suite.t.call('POST', `/v1/tenants/${tenant}/events`, { type: 'ssrf.event', data: {} });
        const detail = await waitFor('the failed delivery', async () => {
          const list = await suite.t.call<{ data: { id: string; status: string }[] }>('GET', `/v1/tenants/${tenant}/deliveries`);
          const d = list.body.data[0];
          return d?.status === 'failed' ? (await suite.t.call<Detail>('GET', `/v1/tenants/${tenant}/deliveries/${d.id}`)).body : undefined;
        });
        assert.equal(detail.attempts[0]?.error?.kind, 'blocked');
        assert.match(detail.attempts[0]?.error?.message ?? '', /RELAIS_ALLOW_TARGETS/);
        assert.equal(suite.receiver.received.length, 0, 'nothing reached the internal receiver');
      });
    }
  });
}

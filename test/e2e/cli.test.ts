// The `relais` command as a user runs it: migrate, then send an event straight into the store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createServices } from '../../src/services/index.ts';
import { openStore } from '../../src/store/open.ts';
import { createTemplateRenderer } from '../../src/render/renderer.ts';
import { ENGINES, makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { testEnv } from '../helpers/relais.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;

for (const engine of ENGINES) {
  describe(`relais CLI: ${engine}`, () => {
    let fixture: EngineFixture;
    let env: NodeJS.ProcessEnv;
    const relais = (...args: string[]) => run(process.execPath, [BIN, ...args], { env, timeout: 30_000 });

    before(async () => {
      fixture = await makeEngine(engine);
      env = { ...process.env, ...testEnv(fixture) };
    });
    after(() => fixture.dispose());

    it('migrates, then sends an event that makes a delivery', async () => {
      assert.match((await relais('migrate')).stdout, new RegExp(`migrations applied \\(${engine}\\)`));

      const config = loadConfig(testEnv(fixture));
      const store = openStore(config);
      try {
        const services = createServices({ store, config, now: Date.now, wake: () => {}, log: createLogger('silent'), templates: createTemplateRenderer() });
        await services.tenants.create({ id: 'cli', name: 'CLI' });
        await services.eventTypes.upsert({ name: 'cli.event' });
        await services.webhooks.create('cli', { url: 'http://127.0.0.1:9/x', events: ['cli.*'] });
      } finally {
        await store.close();
      }

      const sent = JSON.parse((await relais('send', 'cli', 'cli.event', '{"n":1}', '--id', 'k1')).stdout) as { id: string; deliveries: number; duplicate: boolean };
      assert.equal(sent.deliveries, 1);
      assert.equal(sent.duplicate, false);
      const again = JSON.parse((await relais('send', 'cli', 'cli.event', '{"n":1}', '--id', 'k1')).stdout) as { id: string; duplicate: boolean };
      assert.deepEqual([again.id, again.duplicate], [sent.id, true]);
      const exact = JSON.parse((await relais('send', 'cli', 'cli.event', '{"n": 12345678901234567890, "f": 1250.0}')).stdout) as { id: string };

      const check = openStore(config);
      try {
        const event = await check.events.get('cli', sent.id);
        assert.equal(event?.dataJson, '{"n":1}');
        assert.equal((await check.events.get('cli', exact.id))?.dataJson, '{"n":12345678901234567890,"f":1250.0}', 'numbers as written, as the API keeps them');
      } finally {
        await check.close();
      }
    });

    it('refuses bad input with a clear message and a non-zero exit', async () => {
      await assert.rejects(relais('send', 'cli', 'cli.event', '{not json'), (err: { code: number; stderr: string }) =>
        err.code === 1 && /data is not valid JSON/.test(err.stderr));
      await assert.rejects(relais('send', 'cli', 'nope.event', '{}'), (err: { stderr: string }) => /unknown event type "nope.event"/.test(err.stderr));
      await assert.rejects(relais('send', 'ghost', 'cli.event', '{}'), (err: { stderr: string }) => /tenant "ghost" does not exist/.test(err.stderr));
    });
  });
}

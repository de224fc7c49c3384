// A first throughput measurement (the full benchmark is `npm run bench`, still to come):
// N events, one webhook each, delivered to a loopback receiver until every attempt is recorded.
//   node --import tsx bench/throughput.ts <sqlite|postgres> [events=10000] [batch|single]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { createRelais } from '../src/main.ts';
import { makeEngine } from '../test/helpers/engines.ts';
import { testEnv } from '../test/helpers/relais.ts';

const engine = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const total = Number(process.argv[3] ?? 10_000);
const mode = process.argv[4] === 'single' ? 'single' : 'batch';
const BATCH = 500;
const SENDERS = 32; // concurrent single-event senders

let received = 0;
let allReceived!: () => void;
const done = new Promise<void>((resolve) => { allReceived = resolve; });
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.end('ok');
    if (++received === total) allReceived();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

const fixture = await makeEngine(engine);
const relais = await createRelais(loadConfig(testEnv(fixture, { RELAIS_LOG_LEVEL: 'warn' })), createLogger('warn'));
await relais.start();
const { services, store } = relais;
await services.tenants.create({ id: 'bench', name: 'bench' });
await services.eventTypes.upsert({ name: 'bench.event' });
await services.webhooks.create('bench', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`, events: ['bench.event'] });
const event = (n: number) => ({ type: 'bench.event', data: { n, payload: 'x'.repeat(200) } });

const t0 = performance.now();
if (mode === 'batch') {
  for (let i = 0; i < total; i += BATCH) {
    await services.events.sendBatch('bench', Array.from({ length: Math.min(BATCH, total - i) }, (_, j) => event(i + j)));
  }
} else {
  let next = 0;
  await Promise.all(Array.from({ length: SENDERS }, async () => {
    while (next < total) await services.events.send('bench', event(next++));
  }));
}
const ingested = performance.now();
await done;
const delivered = performance.now();
while ((await store.deliveries.nextDueAt()) !== undefined) await new Promise((r) => setTimeout(r, 20));
const recorded = performance.now();

const s = (ms: number): number => Math.round(ms) / 1000;
console.log(JSON.stringify({
  engine, events: total, mode,
  ingest_s: s(ingested - t0), received_s: s(delivered - t0), recorded_s: s(recorded - t0),
  delivered_per_s: Math.round(total / ((recorded - t0) / 1000)),
}));
await relais.stop();
await fixture.dispose();
receiver.close();

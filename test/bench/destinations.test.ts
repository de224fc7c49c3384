// A tiny run of the destinations scenario on SQLite, for correctness only (no timing is asserted):
// a row for HTTP and for each broker on this machine, every delivery recorded succeeded and held
// by its destination. Skipped unless RabbitMQ, NATS, Redis and Mosquitto all listen locally (CI=true fails instead).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { runBench } from './bench-run.ts';

const listens = (port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = connect({ host: '127.0.0.1', port, timeout: 1_000 });
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
  socket.once('timeout', () => { socket.destroy(); resolve(false); });
});
const down = (await Promise.all([5672, 4222, 6379, 1883].map(async (p) => ((await listens(p)) ? [] : [p])))).flat();
if (down.length && process.env.CI === 'true') throw new Error(`no broker on 127.0.0.1:${down.join(', ')}: the destinations scenario cannot be smoke-tested under CI`);
const skip = down.length ? `no broker on 127.0.0.1:${down.join(', ')} (RabbitMQ 5672, NATS 4222, Redis 6379, MQTT 1883)` : false;

describe('npm run bench -- --scenario destinations, smoke run', { skip }, () => {
  it('writes a row per destination, every delivery recorded and held by its destination', async () => {
    const { report, output } = await runBench(['--quick', '--scenario', 'destinations', '--engine', 'sqlite', '--events', '60', '--batch-size', '25', '--raw', '200', '--store', '0']);
    assert.ok(report.ok, output);
    assert.deepEqual(report.destinations?.map((d) => d.destination), ['http', 'amqp', 'nats', 'redis', 'mqtt'], output);
    for (const d of report.destinations!) {
      assert.equal(d.deliveries, 60, d.destination);
      assert.equal(d.succeeded, 60, d.destination);
      assert.equal(d.at_destination, 60, d.destination);
      for (const field of ['delivered_per_s', 'p50_ms', 'p99_ms', 'cpu_ms_per_1000'] as const) assert.ok(Number.isFinite(d[field]), `${d.destination}: ${field}`);
      assert.ok(d.server_cpu_ms_per_1000 !== null && d.server_cpu_ms_per_1000 >= 0, `${d.destination}: the server's CPU, found by name`);
    }
    assert.match(output, /destinations \(npm run bench -- --scenario destinations\)/);
  });
});

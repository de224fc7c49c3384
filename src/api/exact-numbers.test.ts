// The event routes' body parse: the schema sees plain numbers, the service gets each event's JSON
// with the producer's numbers, and bad bodies are answered as on any other route.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ExactEventJson } from '../core/exact-numbers.ts';
import type { EventIn } from '../schemas/events.ts';
import type { Services } from '../services/index.ts';
import { installInputLimits } from './input-limits.ts';
import { installProblemHandlers } from './problems.ts';
import { eventRoutes } from './routes/events.ts';

interface Call { inputs: readonly EventIn[]; exact: readonly (ExactEventJson | undefined)[] | undefined }

describe('exact numbers at the event routes', () => {
  let app: FastifyInstance;
  const calls: Call[] = [];
  const result = (input: EventIn) => ({ event: { id: 'evt_1', type: input.type, deliveriesCount: 0 }, created: true });
  const services = {
    events: {
      send: async (_tenant: string, input: EventIn, exact?: ExactEventJson) => {
        calls.push({ inputs: [input], exact: exact && [exact] });
        return result(input);
      },
      sendBatch: async (_tenant: string, inputs: readonly EventIn[], exact?: readonly ExactEventJson[]) => {
        calls.push({ inputs, exact });
        return inputs.map(result);
      },
    },
  } as unknown as Services;

  before(async () => {
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installProblemHandlers(app);
    installInputLimits(app);
    eventRoutes(app, services);
    app.post('/plain', async () => ({ ok: true })); // any other route, to compare refusals with
    await app.ready();
  });
  after(() => app.close());

  const post = (url: string, payload: string) => app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

  it('gives the schema plain numbers and the service the numbers as written', async () => {
    calls.length = 0;
    const data = '{"n":12345678901234567890,"f":1250.0,"e":1e3,"neg":-0.0,"s":"x"}';
    const res = await post('/v1/tenants/acme/events', `{"type":"order.paid","data":${data},"previous":{"f":1.50},"changes":null}`);
    assert.equal(res.statusCode, 202, res.body);
    const [call] = calls;
    assert.deepEqual(call?.inputs[0]?.data, { n: 12345678901234567000, f: 1250, e: 1000, neg: -0, s: 'x' });
    assert.deepEqual(call?.exact, [{ data, previous: '{"f":1.50}', changes: undefined }]);
  });

  it('keeps each event of a batch apart, and does nothing when no number would change', async () => {
    calls.length = 0;
    const res = await post('/v1/tenants/acme/events/batch',
      '{"events":[{"type":"a","data":{"x":1}},{"type":"b","data":[2.0, "3.0"],"changes":{"x":{"from":1,"to":1e2}}}]}');
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(calls[0]?.exact, [
      { data: '{"x":1}', previous: undefined, changes: undefined },
      { data: '[2.0,"3.0"]', previous: undefined, changes: '{"x":{"from":1,"to":1e2}}' },
    ]);
    assert.equal((await post('/v1/tenants/acme/events', '{"type":"a","data":{"x":1.5,"s":"1.0"}}')).statusCode, 202);
    assert.equal(calls[1]?.exact, undefined, 'JSON.stringify writes these numbers as sent: no second parse');
  });

  it('refuses bad bodies as before, and as any other route does', async () => {
    const bodies: [string, number, string][] = [
      ['{"type":"a","data":', 400, 'body'],
      ['{"type":"a","data":{"__proto__":{"x":1.0}}}', 400, 'body'],
      ['{"type":"a","data":{"note":"a\\u0000b","f":1.0}}', 422, 'data.note'],
      ['{"type":"a","data":{"n":1e309}}', 422, 'data.n'],
    ];
    for (const [body, status, field] of bodies) {
      const res = await post('/v1/tenants/acme/events', body);
      assert.equal(res.statusCode, status, body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const problem = res.json<{ errors?: { field: string }[] }>();
      if (status === 422) assert.deepEqual(problem.errors?.map((e) => e.field), [field], body);
      assert.deepEqual(problem, (await post('/plain', body)).json(), `${body}: as on another route`);
    }
    const batch = await post('/v1/tenants/acme/events/batch', '{"events":[{"type":"a","data":{"n":1.0}},{"type":"b","data":{"n":1e309}}]}');
    assert.equal(batch.statusCode, 422);
    assert.deepEqual(batch.json<{ errors: { field: string }[] }>().errors.map((e) => e.field), ['events[1].data.n']);
    const schema = await post('/v1/tenants/acme/events', '{"type":"a","data":{"n":1.0},"bogus":2.50}');
    assert.equal(schema.statusCode, 422, 'the schema still runs on the plain body');
    assert.deepEqual(schema.json<{ errors: { field: string }[] }>().errors.map((e) => e.field), ['bogus']);
  });
});

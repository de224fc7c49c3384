// /openapi.json is good enough to generate clients from: it validates, Redocly's recommended
// rules find nothing, and a client typed by openapi-typescript compiles against it — with event
// `data` any JSON, and wrong bodies refused. The document does not depend on the engine: SQLite only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { startRelais, type TestRelais } from '../helpers/relais.ts';

type Document = { paths: Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } } & Record<string, unknown>;

/** Calls typed by the generated `operations`: the body a route takes, and what it answers with `status`. */
const CLIENT_HEAD = `import type { operations } from './relais-api.js';
type Body<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Answer<O, S extends number> = O extends { responses: { [K in S]: { content: { 'application/json': infer R } } } } ? R : never;
async function call<O, S extends number>(method: string, path: string, body?: Body<O>): Promise<Answer<O, S>> {
  const res = await fetch('http://relais.test' + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Answer<O, S>;
}
`;

const GOOD_CLIENT = `${CLIENT_HEAD}
export async function run(): Promise<string> {
  const tenant = await call<operations['createTenant'], 201>('POST', '/v1/tenants', { id: 'acme', name: 'Acme' });
  const webhook = await call<operations['createWebhook'], 201>('POST', \`/v1/tenants/\${tenant.id}/webhooks\`, { url: 'https://example.org/hook', events: ['invoice.paid'] });
  const secret: string = webhook.secret;
  const event = await call<operations['sendEvent'], 202>('POST', '/v1/tenants/acme/events', { type: 'invoice.paid', data: { invoice: 7 } });
  await call<operations['sendEvent'], 202>('POST', '/v1/tenants/acme/events', { type: 'invoice.paid', data: [1, 'two', null, { three: [true] }] });
  const page = await call<operations['listDeliveries'], 200>('GET', '/v1/tenants/acme/deliveries');
  const first = page.data[0];
  const detail = await call<operations['getDelivery'], 200>('GET', \`/v1/tenants/acme/deliveries/\${first?.id ?? ''}\`);
  return [secret, event.id, first?.status, detail.event.type, page.next_cursor].join(' ');
}
`;

/** Each must not compile: proof the types say something. */
const BAD_CALLS = [
  `call<operations['createTenant'], 201>('POST', '/v1/tenants', { id: 'no-name' });`,
  `call<operations['createWebhook'], 201>('POST', '/v1/tenants/acme/webhooks', { url: 7, events: ['a'] });`,
  `call<operations['sendEvent'], 202>('POST', '/v1/tenants/acme/events', { type: 'a', data: { when: new Date() } });`,
  `call<operations['listDeliveries'], 200>('GET', '/v1/tenants/acme/deliveries').then((p) => p.data[0]?.no_such_field);`,
];

function typecheck(dir: string, file: string): string[] {
  const program = ts.createProgram([join(dir, file)], {
    strict: true, noEmit: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: true,
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the OpenAPI document', () => {
  let t: TestRelais;
  let doc: Document;
  let dir: string;
  before(async () => {
    t = await startRelais('sqlite');
    doc = (await t.call<Document>('GET', '/openapi.json', undefined, null)).body;
    dir = mkdtempSync(join(tmpdir(), 'relais-openapi-'));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates with swagger-parser, every $ref resolving', async () => {
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('names every operation, once, and declares the problems it may answer', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ what: `${method.toUpperCase()} ${path}`, ...op })));
    assert.deepEqual(operations.filter((op) => !op.operationId).map((op) => op.what), [], 'operations without an operationId');
    const ids = operations.map((op) => op.operationId);
    assert.equal(new Set(ids).size, ids.length, `duplicate operationIds: ${ids.join(', ')}`);
    for (const op of operations) {
      assert.ok(Object.keys(op.responses).some((s) => s.startsWith('4')), `${op.what} declares no 4xx`);
      assert.ok(op.responses['401'], `${op.what} declares no 401`);
    }
    assert.ok(doc.paths['/v1/tenants']?.post?.responses['403'], 'admin routes answer 403 to tenant tokens');
    assert.ok(doc.paths['/v1/tenants/{tenant}/webhooks']?.get?.responses['404'], 'tenant routes answer 404 for another tenant');
  });

  it('passes Redocly\'s recommended rules', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: '/openapi.json', config });
    const lines = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.filter((p) => p.severity === 'warn').length;
    assert.deepEqual({ errors, warnings }, { errors: 0, warnings: 0 }, lines.join('\n'));
  });

  it('generates types that a strict client compiles against, and that refuse wrong bodies', async () => {
    writeFileSync(join(dir, 'relais-api.ts'), astToString(await openapiTS(structuredClone(doc) as never)));
    writeFileSync(join(dir, 'client.ts'), GOOD_CLIENT);
    assert.deepEqual(typecheck(dir, 'client.ts'), []);
    for (const [i, bad] of BAD_CALLS.entries()) {
      writeFileSync(join(dir, `bad-${i}.ts`), `${CLIENT_HEAD}\nexport const bad = ${bad}\n`);
      assert.notDeepEqual(typecheck(dir, `bad-${i}.ts`), [], `compiles but should not: ${bad}`);
    }
  });
});

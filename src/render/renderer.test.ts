import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RelaisEvent } from '../core/model.ts';
import { renderBody, type Shape } from './body.ts';
import { createTemplateRenderer, TemplateError } from './renderer.ts';

describe('template renderer', () => {
  const renderer = createTemplateRenderer({ timeoutMs: 2_000, maxOutputBytes: 1_000, maxHeapMb: 64 });
  after(() => renderer.close());

  it('renders with the context it is given, and nothing of the host', async () => {
    assert.equal(await renderer.render('{{ doc.a }}-{{ doc.b | length }}', { doc: { a: 'x', b: [1, 2] } }, 't'), 'x-2');
    assert.equal(await renderer.render('[{{ process }}{{ require }}{{ globalThis }}]', {}, 't'), '[]');
  });

  it('caps the output', async () => {
    await assert.rejects(renderer.render('{% for i in range(500) %}xxxx{% endfor %}', {}, 't'), (err: Error) => err instanceof TemplateError && /more than 1000 bytes/.test(err.message));
  });
});

// Frappe's filters (frappe/utils/jinja.py: json = as_json, len, int = cint, str = cstr, flt) and
// its dialect, rendered by real children. Expected values are what Python and Frappe give.
describe('template renderer: Frappe\'s filters and dialect', () => {
  const renderer = createTemplateRenderer({ timeoutMs: 2_000, maxOutputBytes: 1_000, maxHeapMb: 64 });
  after(() => renderer.close());
  const doc = { name: 'SO-1', customer: 'Société', items: [{ qty: 4, item_code: 'CHAIR' }, { qty: 1, item_code: 'DESK', note: null }], empty: null, open: true, total: '1,250.505' };
  const jinja = (source: string) => renderer.render(source, { doc }, 't');
  const frappe = (source: string) => renderer.render(source, { doc }, 't', 'frappe');

  it('sees the event\'s data as doc and as data, through the body a webhook renders', async () => {
    const event = {
      id: 'evt_1', tenantId: 't', type: 'sales_order.on_update', occurredAt: 0, receivedAt: 0, dataJson: JSON.stringify(doc),
      actor: null, resource: null, previous: null, changes: null,
    } as RelaisEvent;
    const shape = { format: 'template', template: '{"a": "{{ doc.name }}", "b": "{{ data.name }}", "n": {{ doc.items | len }}}', contentType: null, templateDialect: 'frappe' } as Shape;
    assert.deepEqual(await renderBody(shape, event, renderer), { contentType: 'application/json', body: '{"a": "SO-1", "b": "SO-1", "n": 2}' });
    await assert.rejects(renderBody({ ...shape, template: '{"a": {{ doc.name }}}' }, event, renderer), /did not render valid JSON .*json or tojson filter/);
  });

  it('json: as_json\'s sorted keys, written as json.dumps writes them (", ", ": ", \\uXXXX)', async () => {
    assert.equal(await jinja('{{ doc.items | json }}'), '[{"item_code": "CHAIR", "qty": 4}, {"item_code": "DESK", "note": null, "qty": 1}]');
    assert.equal(await jinja('{{ doc.customer | json }}|{{ doc.empty | json }}|{{ doc.nope | json }}|{{ doc.open | json }}'), '"Soci\\u00e9t\\u00e9"|null|null|true');
    await assert.rejects(jinja('{{ doc.keys | json }}'), /not JSON serializable/);
  });

  it('json and the frappe dialect write floats as Python does (3.0, 1e-05, 1e+16), and marked numbers as floats or exact ints', async () => {
    assert.equal(await jinja('{{ [1.5 * 2, 0.00001, 100000000.0 * 100000000, 7] | json }}'), '[3.0, 1e-05, 1e+16, 7]');
    assert.equal(await frappe('{{ 1.5 * 2 }} {{ 0.00001 }}'), '3.0 1e-05');
    // The markers body.ts puts in the data for numbers JSON.parse alters (core/exact-numbers.ts).
    const marked = { doc: { f: '\u00000', n: '\u00001', z: '\u00002', e: '\u00003' } };
    const numbers = ['1250.0', '12345678901234567891', '-0', '1e3'];
    assert.equal(await renderer.render('{{ doc.f }} {{ doc.n }} {{ doc.z }} {{ doc.e }} {{ doc | json }} {{ doc.f * 2 }}', marked, 't', 'frappe', numbers),
      '1250.0 12345678901234567891 0 1000.0 {"e": 1000.0, "f": 1250.0, "n": 12345678901234567891, "z": 0} 2500.0');
  });

  it('len: of a string (code points), a list, a dict; None has none', async () => {
    assert.equal(await jinja('{{ doc.customer | len }}|{{ "😀" | len }}|{{ doc.items | len }}|{{ doc.items[0] | len }}|{{ doc.nope | len }}'), '7|1|2|2|0');
    await assert.rejects(jinja('{{ doc.empty | len }}'), /object of type 'NoneType' has no len\(\)/);
  });

  it('int: cint — truncates, parses integer and float text, else its default (0)', async () => {
    assert.equal(await jinja('{{ 3.9 | int }}|{{ -2.5 | int }}|{{ " 42 " | int }}|{{ "3.7" | int }}|{{ "1e3" | int }}|{{ "1_000" | int }}'), '3|-2|42|3|1000|1000');
    assert.equal(await jinja('{{ "abc" | int }}|{{ doc.empty | int }}|{{ doc.items | int }}|{{ true | int }}|{{ "x" | int(7) }}|{{ "x" | int(default=-1) }}'), '0|0|0|1|7|-1');
  });

  it('str: cstr — Python\'s str(), but None is empty', async () => {
    assert.equal(await jinja('[{{ doc.empty | str }}]|{{ doc.open | str }}|{{ 1.5 | str }}|{{ 2 | flt | str }}|{{ 12 | str }}|{{ doc.name | str }}'), '[]|True|1.5|2.0|12|SO-1');
    assert.equal(await jinja('{{ doc.items[1] | str }}|{{ ["it\'s", 0.00001, 1.0] | str }}'), '{\'qty\': 1, \'item_code\': \'DESK\', \'note\': None}|["it\'s", 1e-05, 1.0]');
  });

  it('flt: a float (commas ignored, 0.0 when it is none), rounded to a precision as Frappe rounds', async () => {
    assert.equal(await jinja('{{ "43.5" | flt }}|{{ doc.total | flt }}|{{ "a" | flt }}|{{ doc.empty | flt }}|{{ 3 | flt }}'), '43.5|1250.505|0.0|0.0|3.0');
    // flt("43.5", 0) is 44 and flt("42.5", 0) 42 (a half to even at precision 0); at 2 a half goes up.
    assert.equal(await jinja('{{ "43.5" | flt(0) }}|{{ "42.5" | flt(0) }}|{{ "10,500.5666" | flt(2) }}|{{ 1.255 | flt(precision=2) }}|{{ 2 | flt(2) }}'), '44|42|10500.57|1.26|2.0');
  });

  it('prints a missing or null value as None and booleans as True/False in the frappe dialect only', async () => {
    const source = '{{ doc.empty }}|{{ doc.nope }}|{{ doc.open }}|{{ not doc.open }}|{{ 2 | flt }}|{{ doc.items[1].note }}';
    assert.equal(await jinja(source), '||true|false|2.0|');
    assert.equal(await frappe(source), 'None|None|True|False|2.0|None');
    assert.equal(await frappe('{% set x = none %}{% if doc.open %}{% for i in doc.items %}{{ i.qty }};{% endfor %}{% endif %}{# none #}'), '4;1;', 'statements print no None');
    assert.equal(await frappe('{{ doc.items[0] }}'), '{\'qty\': 4, \'item_code\': \'CHAIR\'}', 'a dict as Python prints it');
    assert.equal(await frappe('{{ doc.name }} {{ doc.items | json }}'), 'SO-1 [{"item_code": "CHAIR", "qty": 4}, {"item_code": "DESK", "note": null, "qty": 1}]');
  });

  it('gives frappe templates utils and frappe.utils: flt, cint, cstr, now, nowdate, today', async () => {
    assert.equal(await frappe('{{ utils.flt(doc.total, 2) }}|{{ frappe.utils.cint("4.9") }}|[{{ utils.cstr(doc.empty) }}]|{{ frappe.utils.flt("x") }}'), '1250.51|4|[]|0.0');
    assert.match(await frappe('{{ utils.now() }}|{{ frappe.utils.nowdate() }}|{{ utils.today() }}'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\|\d{4}-\d\d-\d\d\|\d{4}-\d\d-\d\d$/);
    assert.equal(await jinja('[{{ utils }}{{ frappe }}]'), '[]', 'not in the jinja dialect');
  });

  it('keeps every bound in the frappe dialect: time, output, the prototype chain', async () => {
    const bounded = createTemplateRenderer({ timeoutMs: 300, maxOutputBytes: 1_000, maxHeapMb: 64 });
    try {
      await assert.rejects(bounded.render('{% for i in range(100000000) %}{{ i | str | len }}{% endfor %}', {}, 't', 'frappe'), /longer than 300 ms|more than 1000 bytes|more than 64 MB/);
      // The output bound on its own: a renderer whose time allowance a loaded machine cannot run out.
      const roomy = createTemplateRenderer({ timeoutMs: 10_000, maxOutputBytes: 1_000, maxHeapMb: 64 });
      await assert.rejects(roomy.render('{% for i in range(500) %}{{ none }}{% endfor %}', {}, 't', 'frappe'), /more than 1000 bytes/).finally(() => roomy.close());
      await assert.rejects(bounded.render('{{ utils.flt.constructor("return process")() }}', {}, 't', 'frappe'), /template failed/);
      assert.equal(await bounded.render('[{{ doc.__proto__ }}{{ utils.__proto__ }}{{ doc.constructor }}]', { doc: {} }, 't', 'frappe'), '[NoneNoneNone]');
    } finally {
      await bounded.close();
    }
  });
});

// A render stopped for its time, then its child dying of its heap limit while being cleaned up:
// workerpool kept counting that child and never ran the requests queued behind it (about one
// round in six). Each round here must answer, and close must return.
describe('template renderer after hostile templates', () => {
  const ENDLESS = '{% for i in range(100000000) %}{% for j in range(100000000) %}{{ i }}{% endfor %}{% endfor %}';

  it('answers the next render every time, and closes', { timeout: 60_000 }, async () => {
    const renderer = createTemplateRenderer({ timeoutMs: 300, maxOutputBytes: 1_000, maxHeapMb: 64 });
    try {
      for (let round = 0; round < 12; round++) {
        await assert.rejects(renderer.render(ENDLESS, {}, 't'), (err: Error) => err instanceof TemplateError && /longer than 300 ms|more than 64 MB/.test(err.message));
        assert.equal(await renderer.render('{{ 1 + n }}', { n: round }, 't'), String(1 + round), `round ${round}`);
      }
      await assert.rejects(renderer.render('{{ doc.constructor.constructor("return process")().exit(1) }}', { doc: {} }, 't'), (err: Error) => err instanceof TemplateError && /template failed/.test(err.message));
      const both = await Promise.all([renderer.render('{{ 2 }}', {}, 't'), renderer.render('{{ 3 }}', {}, 't'), renderer.render('{{ 4 }}', {}, 't')]);
      assert.deepEqual(both, ['2', '3', '4'], 'more requests than children queue for one');
    } finally {
      await renderer.close();
    }
  });
});

// One tenant's slow templates must not make another's wait for them: 16 renders that each run to
// the timeout from tenant A, then one quick render from tenant B.
describe('template renderer shared between tenants', () => {
  const SLOW = '{% for i in range(100000000) %}{% for j in range(100000000) %}{{ i }}{% endfor %}{% endfor %}';

  it('renders another tenant\'s template at once while one tenant floods the pool', { timeout: 60_000 }, async (t) => {
    const timeoutMs = 1_000;
    const renderer = createTemplateRenderer({ timeoutMs, maxOutputBytes: 1_000, maxHeapMb: 64 });
    try {
      await renderer.render('{{ 1 }}', {}, 'warm-up'); // the first child's start is not what is measured
      const flood = Array.from({ length: 16 }, () => renderer.render(SLOW, {}, 'a').catch((err: unknown) => err));
      await new Promise((resolve) => setTimeout(resolve, 100)); // A holds every child it may
      const started = performance.now();
      assert.equal(await renderer.render('{{ 2 + 2 }}', {}, 'b'), '4');
      const waitedMs = performance.now() - started;
      t.diagnostic(`tenant b waited ${Math.round(waitedMs)} ms`);
      // First come, first served, B would wait for A's 16 renders on 2 children: 8 timeouts.
      assert.ok(waitedMs < timeoutMs / 2, `tenant b waited ${Math.round(waitedMs)} ms behind tenant a's renders`);
      for (const outcome of await Promise.all(flood)) assert.ok(outcome instanceof TemplateError, 'each slow render was stopped');
    } finally {
      await renderer.close();
    }
  });
});

// sdk/openapi.json and sdk/src/schema.ts are generated from the code (scripts/openapi.ts) and
// committed, as sources of the SDK's build: this fails when either no longer matches what the
// current code produces, so an API change cannot ship with a stale SDK.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { currentDocument, DOCUMENT_PATH, documentText, SCHEMA_PATH, schemaText } from '../../scripts/openapi.ts';

const REGENERATE = 'the API changed: run `npm run sdk:generate` and commit sdk/openapi.json and sdk/src/schema.ts';

describe('the SDK\'s generated sources', () => {
  it('sdk/openapi.json is the document the current code serves at /openapi.json', async () => {
    const committed = readFileSync(DOCUMENT_PATH, 'utf8');
    const current = documentText(await currentDocument());
    // Compared parsed first, for a readable diff of what changed; then as text (formatting).
    assert.deepEqual(JSON.parse(committed), JSON.parse(current), `sdk/openapi.json is stale: ${REGENERATE}`);
    assert.equal(committed, current, `sdk/openapi.json is not formatted as generated: ${REGENERATE}`);
  });

  it('sdk/src/schema.ts is what openapi-typescript generates from sdk/openapi.json', async () => {
    const committed = readFileSync(SCHEMA_PATH, 'utf8');
    const generated = await schemaText(JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')));
    assert.ok(committed === generated, `sdk/src/schema.ts does not match sdk/openapi.json (edited by hand, or not regenerated): ${REGENERATE}`);
  });
});

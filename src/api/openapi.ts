// How the routes' zod schemas become /openapi.json, so that validators resolve every $ref and
// client generators get one type per schema and an operationId per route.
//   - transform (per route): adds the problems a route answers because of its access and its
//     input (401, 403, 404, 422), which no route repeats in its own schema.
//   - transformObject (once): fastify-type-provider-zod emits every registered schema twice, as
//     `X` (output) and `XInput` (input); this keeps one name where both are the same schema,
//     drops the components no path reaches, and gives input-only schemas their own name back.
import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { createJsonSchemaTransformObject, jsonSchemaTransform } from 'fastify-type-provider-zod';
import { Problem } from '../schemas/common.ts';
import type { Access } from './auth.ts';

const SCHEMAS = '#/components/schemas/';

/** 401: no valid token. 403: not the admin. 404: the path's tenant is not the token's, or is gone. 422: invalid input. */
function accessProblems(access: Access | undefined, hasInput: boolean): Record<number, typeof Problem> {
  const problems: Record<number, typeof Problem> = {};
  if (access !== undefined && access !== 'public') problems[401] = Problem;
  if (access === 'admin') problems[403] = Problem;
  if (access === 'tenant') problems[404] = Problem;
  if (hasInput) problems[422] = Problem;
  return problems;
}

const transform: SwaggerTransform = (document) => {
  const { schema, route } = document;
  if (!schema || (schema as { hide?: boolean }).hide) return jsonSchemaTransform(document);
  const hasInput = Boolean(schema.body ?? schema.querystring ?? schema.params);
  const response = { ...accessProblems(route.config?.access, hasInput), ...(schema.response as object | undefined) };
  return jsonSchemaTransform({ ...document, schema: { ...schema, response } });
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schemas = Record<string, Json>;

/** Every `$ref` to a schema component under `node`, renamed by `rename` when it returns a name. */
function mapRefs(node: Json, rename: (name: string) => string | undefined): Json {
  if (Array.isArray(node)) return node.map((n) => mapRefs(n, rename));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(node)) {
    const target = k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMAS) ? rename(v.slice(SCHEMAS.length)) : undefined;
    out[k] = target === undefined ? mapRefs(v, rename) : SCHEMAS + target;
  }
  return out;
}

/** The `XInput` components that are the same schema as `X`, refs to each other aside. */
function sameAsOutput(schemas: Schemas): Map<string, string> {
  const merge = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    const base = name.slice(0, -'Input'.length);
    if (name.endsWith('Input') && base in schemas) merge.set(name, base);
  }
  // Assume all merge, then drop those that differ until none does: recursive schemas merge too.
  for (let changed = true; changed;) {
    changed = false;
    for (const [input, output] of merge) {
      const a = JSON.stringify(mapRefs(schemas[input]!, (n) => merge.get(n)));
      const b = JSON.stringify(mapRefs(schemas[output]!, (n) => merge.get(n)));
      if (a !== b) changed = merge.delete(input);
    }
  }
  return merge;
}

/** The schema components that `roots` refer to, directly or through other components. */
function reachable(roots: Json, schemas: Schemas): Set<string> {
  const seen = new Set<string>();
  const visit = (node: Json): void => {
    mapRefs(node, (name) => {
      if (!seen.has(name) && name in schemas) {
        seen.add(name);
        visit(schemas[name]!);
      }
      return undefined;
    });
  };
  visit(roots);
  return seen;
}

/** Problems are sent as application/problem+json (problems.ts): say so. */
function problemMediaType(paths: Json): Json {
  for (const item of Object.values(paths as Record<string, Record<string, { responses?: Record<string, { content?: Record<string, Json> }> }>>)) {
    for (const operation of Object.values(item)) {
      for (const [status, res] of Object.entries(operation.responses ?? {})) {
        const json = res.content?.['application/json'];
        if (status >= '400' && json && JSON.stringify(json) === JSON.stringify({ schema: { $ref: `${SCHEMAS}Problem` } })) {
          res.content = { 'application/problem+json': json };
        }
      }
    }
  }
  return paths;
}

function tidyComponents<D extends { paths?: unknown; components?: { schemas?: unknown } }>(document: D): D {
  const all = (document.components?.schemas ?? {}) as Schemas;
  const merge = sameAsOutput(all);
  const { components, ...rest } = mapRefs(document as unknown as Json, (n) => merge.get(n)) as { components: { schemas: Schemas } } & Record<string, Json>;
  const used = reachable({ ...rest, components: { ...components, schemas: {} } }, components.schemas);
  const kept = Object.keys(components.schemas).filter((n) => used.has(n));
  // An input-only `XInput` takes the name `X` when no output schema holds it.
  const names = new Map(kept.map((n) => [n, n.endsWith('Input') && !used.has(n.slice(0, -'Input'.length)) ? n.slice(0, -'Input'.length) : n]));
  const schemas = Object.fromEntries(kept.map((n) => [names.get(n)!, components.schemas[n]!]));
  const tidy = mapRefs({ ...rest, components: { ...components, schemas } } as Json, (n) => names.get(n)) as Record<string, Json>;
  if (tidy.paths) tidy.paths = problemMediaType(tidy.paths);
  return tidy as unknown as D;
}

const zodComponents = createJsonSchemaTransformObject({});
const transformObject: SwaggerTransformObject = (document) => tidyComponents(zodComponents(document));

/** @fastify/swagger's options: the document's head, and the two transforms above. */
export function openapiOptions(publicUrl: string | undefined): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Relais API', version: '1', description: 'Outgoing webhooks: tenants, event catalog, webhooks, events, deliveries.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // The API is served where the page is (RELAIS_PUBLIC_URL); without it, wherever this document was fetched.
      servers: [{ url: publicUrl?.replace(/\/+$/, '') || '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform,
    transformObject,
  };
}

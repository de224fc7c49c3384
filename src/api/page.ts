// The tenant's page (src/web), served at `/` with its script and stylesheet under the
// content-hashed names the build gave them (scripts/build-assets.mjs writes dist/web/ and its
// manifest): read once per process, into memory, when the first server is built.
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { builtFile } from '../built.ts';

interface Asset {
  type: string;
  body: Uint8Array;
}

export interface PageBundle {
  html: string;
  /** By file name, e.g. `app.3f2a9c1e.js`. */
  assets: Map<string, Asset>;
}

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

// Only what the page itself needs: its own script, style and API. Framing is allowed, so a
// product can embed the page.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

async function load(): Promise<PageBundle> {
  let manifest: Record<string, string>;
  try {
    manifest = JSON.parse(await readFile(builtFile('web/manifest.json'), 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new Error(`the page's bundle is not built (${(err as Error).message}): run npm run build`);
  }
  const assets = new Map<string, Asset>();
  const names: Record<string, string> = {};
  for (const [ext, name] of Object.entries(manifest)) {
    assets.set(name, { type: TYPES[ext] ?? 'application/octet-stream', body: await readFile(builtFile(`web/${name}`)) });
    names[ext] = name;
  }
  // Relative URLs: the page also works behind a proxy that serves Relais under a sub-path.
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Webhooks</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/${names.css}">
<script type="module" src="assets/${names.js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>This page needs JavaScript.</noscript>
</body>
</html>
`;
  return { html, assets };
}

let bundling: Promise<PageBundle> | undefined;

/** The page's bundle, read on first call and shared by every server in the process. */
export function pageBundle(): Promise<PageBundle> {
  bundling ??= load();
  return bundling;
}

export function pageRoutes(app: FastifyInstance, page: PageBundle): void {
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').send(page.html));

  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (req, reply) => {
    const asset = page.assets.get(req.params.file);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(Buffer.from(asset.body));
  });
}

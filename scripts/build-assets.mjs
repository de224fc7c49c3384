// The build's second half (after `tsc -p tsconfig.build.json` compiled src/ to dist/): bundles
// the tenant's page into dist/web/ under content-hashed names, with a manifest the server reads,
// and copies the plain-JavaScript modules tsc does not emit (the render child's, python-json).
// Build time only: nothing at run time needs esbuild or tsx.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

// Loads the sources through tsx, for the test runner only (see src/dispatcher/thread.ts).
const SOURCE_ONLY = new Set(['dispatcher/thread-entry.mjs']);

function* modules(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) { if (path !== join(src, 'web')) yield* modules(path); }
    else if (entry.name.endsWith('.mjs')) yield path;
  }
}

for (const file of modules(src)) {
  const rel = relative(src, file);
  if (SOURCE_ONLY.has(rel)) continue;
  mkdirSync(dirname(join(dist, rel)), { recursive: true });
  copyFileSync(file, join(dist, rel));
}

const out = join(dist, 'web');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { app: join(src, 'web', 'main.tsx') },
  bundle: true,
  write: false,
  format: 'esm',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  target: 'es2022',
  outdir: out,
  legalComments: 'none',
  logLevel: 'warning',
});
const manifest = {};
for (const file of result.outputFiles) {
  const ext = file.path.slice(file.path.lastIndexOf('.'));
  const name = `app.${createHash('sha256').update(file.contents).digest('hex').slice(0, 12)}${ext}`;
  writeFileSync(join(out, name), file.contents);
  manifest[ext.slice(1)] = name;
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest)}\n`);

#!/usr/bin/env node
// Runs the build in dist/ with plain node (`npm ci` builds it; `npm run build` after a change).
try {
  await import('../dist/cli/main.js');
} catch (err) {
  const missing = err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/cli/main.js');
  if (!missing) throw err;
  process.stderr.write('relais: dist/ is not built: run npm run build (npm ci does it)\n');
  process.exit(1);
}

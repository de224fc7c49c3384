// Whether this process runs the TypeScript sources (the test runner, through tsx) or the
// build in dist/ (everything else), and where the build's non-code outputs are in either case.

/** True under tsx: this very module was loaded as `.ts`. */
export const RUNNING_SOURCES = import.meta.url.endsWith('.ts');

/** A file the build wrote under dist/, e.g. `web/manifest.json`. */
export function builtFile(path: string): URL {
  return new URL(RUNNING_SOURCES ? `../dist/${path}` : `./${path}`, import.meta.url);
}

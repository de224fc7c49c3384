// JSON as Python's json.dumps writes it. The code is plain JavaScript (python-json.mjs) so that
// the template children, which run without the TypeScript loader, share it; this is its face here.
export { pythonJson, pythonNumber, pythonRedump } from './python-json.mjs';
export type { PythonJsonOptions } from './python-json.mjs';

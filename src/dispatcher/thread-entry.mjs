// The dispatcher thread's entry point (see thread.ts). Plain JavaScript: a worker thread starts
// without the TypeScript loader the main thread registered, so it registers its own.
import { register } from 'tsx/esm/api';

register();
await import('./thread-main.ts');

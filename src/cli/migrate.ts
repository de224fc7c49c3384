// `relais migrate`: apply pending migrations and exit (serve also does it on start).
import { loadConfig } from '../config.ts';
import { openStore } from '../store/open.ts';

export async function migrate(): Promise<void> {
  const config = loadConfig();
  const store = openStore(config);
  try {
    await store.migrate();
    process.stdout.write(`migrations applied (${store.engine})\n`);
  } finally {
    await store.close();
  }
}

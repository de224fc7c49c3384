// `relais rotate-key [new-key]`: re-seals every sealed value (signing secrets, previous secrets,
// secret header values, broker URLs' passwords) from RELAIS_ENCRYPTION_KEY to the new key (the argument, or
// RELAIS_NEW_ENCRYPTION_KEY, which keeps it out of the shell's history and `ps`). Run it with
// Relais stopped, then start Relais with the new key: a process still on the old key cannot open
// what is re-sealed. Values sealed before key ids (SHA-256 keys) are re-sealed too; with no
// RELAIS_ENCRYPTION_KEY, plain values are sealed for the first time.
import { loadConfig } from '../config.ts';
import { secretBox } from '../store/kysely/secrets.ts';
import { openStore } from '../store/open.ts';

export async function rotateKey(newKey: string | undefined): Promise<void> {
  const config = loadConfig();
  const next = newKey || config.newEncryptionKey;
  if (!next) throw new Error('give the new key: RELAIS_NEW_ENCRYPTION_KEY=… relais rotate-key (or relais rotate-key <new-key>)');
  const to = secretBox(next);
  const store = openStore(config);
  try {
    await store.migrate();
    const count = await store.webhooks.resealSecrets(to);
    process.stdout.write(`re-sealed the secrets of ${count} webhooks under key ${to.keyId} (${store.engine}): start Relais with RELAIS_ENCRYPTION_KEY set to the new key\n`);
  } finally {
    await store.close();
  }
}

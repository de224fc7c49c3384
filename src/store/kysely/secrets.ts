// Secrets at rest (signing secrets, a rotation's previous secret, secret header values): sealed
// with AES-256-GCM when RELAIS_ENCRYPTION_KEY is set, plain otherwise.
//   enc:v2:<key id>:<iv>:<tag>:<ciphertext>  the key is scrypt(passphrase), derived once when the
//                                           box is made (scrypt is slow on purpose: never per value);
//                                           the key id names it without revealing it, so a value
//                                           sealed under another key says so instead of failing dumbly.
//   enc:v1:<iv>:<tag>:<ciphertext>          before issue 19: the key was SHA-256(passphrase), no id.
//                                           Still opened; `relais rotate-key` re-seals them as v2.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';

export interface SecretBox {
  seal(plain: string): string;
  open(stored: string): string;
  /** Names the key values are sealed under (null: no key, values stay plain). */
  readonly keyId: string | null;
}

const V1 = 'enc:v1:';
const V2 = 'enc:v2:';
// A fixed salt: one passphrase per deployment, and the key never leaves the process.
const SALT = 'relais secret box v2';

/** The v2 key and its id; exported for tests that seal as an older or another deployment did. */
export function deriveKey(passphrase: string): { key: Buffer; id: string } {
  const key = scryptSync(passphrase, SALT, 32, { N: 2 ** 14, r: 8, p: 1 });
  return { key, id: createHmac('sha256', key).update('relais key id').digest('base64url').slice(0, 8) };
}

/** How values were sealed before key ids (kept to open them, and for tests). */
export function legacyKey(passphrase: string): Buffer {
  return createHash('sha256').update(passphrase).digest();
}

export function sealWith(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ct.toString('base64url')}`;
}

function openWith(key: Buffer, parts: string): string {
  const [iv, tag, ct] = parts.split(':') as [string, string, string];
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}

export function secretBox(passphrase: string | undefined): SecretBox {
  const current = passphrase ? deriveKey(passphrase) : undefined;
  const legacy = passphrase ? legacyKey(passphrase) : undefined;
  const noKey = (): Error => new Error('a stored secret is encrypted but RELAIS_ENCRYPTION_KEY is not set');
  return {
    keyId: current?.id ?? null,
    seal(plain) {
      return current ? `${V2}${current.id}:${sealWith(current.key, plain)}` : plain;
    },
    open(stored) {
      if (stored.startsWith(V2)) {
        if (!current) throw noKey();
        const id = stored.slice(V2.length, stored.indexOf(':', V2.length));
        if (id !== current.id) throw new Error(`a stored secret is sealed under key ${id}, but RELAIS_ENCRYPTION_KEY is key ${current.id}: is it the key in force (relais rotate-key)?`);
        return openWith(current.key, stored.slice(V2.length + id.length + 1));
      }
      if (stored.startsWith(V1)) {
        if (!legacy) throw noKey();
        return openWith(legacy, stored.slice(V1.length));
      }
      return stored;
    },
  };
}

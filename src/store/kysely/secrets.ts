// Webhook secrets at rest: sealed with AES-256-GCM when RELAIS_ENCRYPTION_KEY is set, plain
// otherwise. A sealed value reads `enc:v1:<iv>:<tag>:<ciphertext>` (base64url parts).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plain: string): string;
  open(stored: string): string;
}

const PREFIX = 'enc:v1:';

export function secretBox(key: string | undefined): SecretBox {
  // Any passphrase works: it is stretched to 32 bytes by SHA-256.
  const k = key ? createHash('sha256').update(key).digest() : undefined;
  return {
    seal(plain) {
      if (!k) return plain;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ct.toString('base64url')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      if (!k) throw new Error('a webhook secret is encrypted but RELAIS_ENCRYPTION_KEY is not set');
      const [iv, tag, ct] = stored.slice(PREFIX.length).split(':') as [string, string, string];
      const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

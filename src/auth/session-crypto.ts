import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'kite-relay session v2';
/** Bound to every sealed blob as associated data: a blob of another format or version does not open. */
const AAD = Buffer.from('kite-relay session v2');
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'kite-relay', INFO, 32));
}

/** AES-256-GCM under a key derived (HKDF) from SESSION_ENCRYPTION_KEY; `iv.tag.ciphertext` in base64url. */
export function sealSession(plain: unknown, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
}

/**
 * The inverse of `sealSession`; undefined when the blob was sealed under another key, altered, or
 * carries an IV or tag of another length (GCM would otherwise accept a tag truncated to 4 bytes).
 */
export function openSession<T>(sealed: string, secret: string): T | undefined {
  try {
    const parts = sealed.split('.');
    if (parts.length !== 3) return undefined;
    const [iv, tag, data] = parts.map((p) => Buffer.from(p, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

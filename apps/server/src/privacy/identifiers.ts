import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Identifiers at rest: AES-256-GCM ciphertext for reading back, and an HMAC-SHA-256 blind index
 * for equality look-up and de-duplication. The blind index is keyed per kind of identifier, so the
 * same digits as a phone and as an ID number do not give the same index.
 */
export interface IdentifierVault {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
  blindIndex(kind: string, plain: string): string;
}

export function identifierVault(dataKeyHex: string, indexKeyHex: string): IdentifierVault {
  const dataKey = Buffer.from(dataKeyHex, 'hex');
  const indexKey = Buffer.from(indexKeyHex, 'hex');
  if (dataKey.length !== 32 || indexKey.length !== 32) throw new Error('identifier keys must be 32 bytes');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      // v1.<iv>.<tag>.<ciphertext>, base64url: a key rotation can add v2 beside it.
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    decrypt(stored) {
      const [version, iv, tag, body] = stored.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unknown ciphertext format');
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
    blindIndex(kind, plain) {
      return createHmac('sha256', indexKey).update(kind).update('\u0000').update(plain).digest('base64url');
    },
  };
}

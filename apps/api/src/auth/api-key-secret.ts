import { createHash, randomBytes } from 'node:crypto';

/** Every key the API issues starts with this, so that leaked keys are easy to scan for. */
const KEY_PREFIX = 'ct_';

/** Characters of a key kept in clear to tell keys apart in listings. */
const DISPLAY_PREFIX_LENGTH = 10;

/** A new key: 32 random bytes, base64url. */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What is stored instead of the key: a lookup by hash needs no slow KDF, as keys are random. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** The key of an `Authorization: Bearer <key>` header, or null when there is none. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +([\x21-\x7e]{1,512})\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

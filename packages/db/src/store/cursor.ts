import { isUuid } from './uuid.js';

/** A list cursor: the position after the last job of a page (created_at, id). */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one that this API returned');
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(job: { createdAt: Date; id: string }): string {
  return encodeKey([job.createdAt.toISOString(), job.id]);
}

/** @throws InvalidCursorError for anything `encodeCursor` did not produce. */
export function decodeCursor(cursor: string): Cursor {
  return decodeKey(cursor, ([createdAt, id]) => {
    const date = new Date(String(createdAt));
    return typeof id === 'string' && isUuid(id) && !Number.isNaN(date.getTime())
      ? { createdAt: date, id }
      : null;
  });
}

/** An opaque cursor for a position in a keyset-paged list: the sort key of the row it follows. */
export function encodeKey(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The sort key an `encodeKey` cursor holds, as `read` makes it of the key's values (null: not a key of this
 * list). @throws InvalidCursorError for anything else.
 */
export function decodeKey<T>(cursor: string, read: (key: unknown[]) => T | null): T {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const value = Array.isArray(key) ? read(key) : null;
  if (value === null) throw new InvalidCursorError();
  return value;
}

/**
 * A page of `limit` rows from the `limit + 1` a keyset query fetched: the extra row only says that a next page
 * exists, whose cursor follows the page's last row.
 */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  cursorAfter: (last: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorAfter(last) : null };
}

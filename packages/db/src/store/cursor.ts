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
  return Buffer.from(JSON.stringify([job.createdAt.toISOString(), job.id])).toString('base64url');
}

/** @throws InvalidCursorError for anything `encodeCursor` did not produce. */
export function decodeCursor(cursor: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(createdAt));
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(date.getTime()))
      throw new Error();
    return { createdAt: date, id };
  } catch {
    throw new InvalidCursorError();
  }
}

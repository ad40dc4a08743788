import type { QueueJobState } from '@ct/shared';
import { ApiError } from '../errors/api-error.js';

/** A position in BullMQ's list of jobs in one state; opaque to clients. */
export function encodeQueueCursor(state: QueueJobState, offset: number): string {
  return Buffer.from(JSON.stringify([state, offset])).toString('base64url');
}

/** @throws ApiError validation_failed for a cursor that `encodeQueueCursor` did not make for `state`. */
export function decodeQueueCursor(cursor: string, state: QueueJobState): number {
  try {
    const [cursorState, offset] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (cursorState === state && Number.isSafeInteger(offset) && (offset as number) >= 0)
      return offset as number;
  } catch {
    // Reported below like any other cursor that is not ours.
  }
  throw ApiError.validation([
    { path: 'cursor', message: `is not a cursor that this API returned for state ${state}` },
  ]);
}

import { ApiError } from '../errors/api-error.js';
import { decodeQueueCursor, encodeQueueCursor } from './queue-cursor.js';

describe('queue cursors', () => {
  it('round-trips a position for its state', () => {
    expect(decodeQueueCursor(encodeQueueCursor('failed', 250), 'failed')).toBe(250);
  });

  it.each([
    ['garbage', 'xyz'],
    ['a cursor of another state', encodeQueueCursor('completed', 1)],
    ['a negative position', Buffer.from(JSON.stringify(['failed', -1])).toString('base64url')],
    ['a fractional position', Buffer.from(JSON.stringify(['failed', 1.5])).toString('base64url')],
  ])('rejects %s as a bad cursor field', (_case, cursor) => {
    let sut: unknown;
    try {
      decodeQueueCursor(cursor, 'failed');
    } catch (error) {
      sut = error;
    }
    expect(sut).toBeInstanceOf(ApiError);
    expect((sut as ApiError).details).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });
});

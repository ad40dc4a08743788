import { requestIdOf } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('requestIdOf', () => {
  it.each([
    ['a UUID', '0b6f4a52-4bde-4c53-9d55-3c2a9d1f7e11'],
    ['a ULID', '01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    ['a trace id with dots and colons', 'trace:abc.123_x-y'],
    ['128 characters', 'a'.repeat(128)],
  ])('keeps %s', (_what, header) => {
    expect(requestIdOf(header)).toBe(header);
  });

  it('keeps the first of repeated headers', () => {
    expect(requestIdOf(['first-id', 'second-id'])).toBe('first-id');
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['129 characters', 'a'.repeat(129)],
    ['spaces', 'two words'],
    ['a line break (log injection)', 'id\n{"level":"fatal"}'],
    ['quotes', 'id"x'],
    ['non-ASCII', 'idé'],
  ])('replaces %s by a new UUID', (_what, header) => {
    const sut = requestIdOf(header);
    expect(sut).toMatch(UUID);
    expect(requestIdOf(header)).not.toBe(sut);
  });
});

import { unstorableReason, unstorableStrings } from './unstorable-strings.js';

describe('unstorableReason', () => {
  it.each([
    ['a NUL', 'a\u0000b', /NUL/],
    ['a NUL alone', '\u0000', /NUL/],
    ['a lone high surrogate', 'x\ud800', /surrogate/],
    ['a lone low surrogate', '\udc00x', /surrogate/],
    ['two high surrogates', '\ud83d\ud83d', /surrogate/],
    ['a pair the wrong way round', '\ude00\ud83d', /surrogate/],
  ])('refuses %s', (_case, text, reason) => {
    expect(unstorableReason(text)).toMatch(reason);
  });

  it.each([
    ['plain text', 'diabetes-ridge'],
    ['the empty string', ''],
    ['accents and CJK', 'José 東京'],
    ['an emoji (a surrogate pair)', 'owner 😀'],
    ['other control characters', '\u0001\t\n\u007f'],
    ['the replacement character', '\ufffd'],
  ])('accepts %s', (_case, text) => {
    expect(unstorableReason(text)).toBeNull();
  });
});

describe('unstorableStrings', () => {
  it('names every bad string and field name by its path, inside objects and arrays', () => {
    const sut = unstorableStrings(
      { spec: { pipeline: 'a\u0000', tags: ['ok', '\ud800'] }, 'k\u0000': 'v', n: 1, b: null },
      '(body)',
    );
    expect(sut).toEqual(
      expect.arrayContaining([
        { path: 'spec.pipeline', message: expect.stringContaining('NUL') },
        { path: 'spec.tags.1', message: expect.stringContaining('surrogate') },
        { path: 'k\u0000', message: expect.stringMatching(/^field name .*NUL/) },
      ]),
    );
    expect(sut).toHaveLength(3);
  });

  it('names the part itself for a bare string, and finds nothing in clean values', () => {
    expect(unstorableStrings('a\u0000', 'id')).toEqual([{ path: 'id', message: expect.any(String) }]);
    expect(unstorableStrings({ a: ['x', { b: 'y' }], c: 2 }, '(query)')).toEqual([]);
    expect(unstorableStrings(undefined, '(body)')).toEqual([]);
  });

  it('walks a deeply nested value without exhausting the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [issue] = unstorableStrings(deep, '(body)');
    expect(issue?.path.split('.')).toHaveLength(100_000);
  });
});

import { bearerToken, displayPrefix, generateApiKey, hashApiKey } from './api-key-secret.js';

describe('API key secrets', () => {
  it('generates distinct ct_ keys of 32 random bytes', () => {
    const sut = [generateApiKey(), generateApiKey()];
    for (const key of sut) expect(key).toMatch(/^ct_[A-Za-z0-9_-]{43}$/);
    expect(sut[0]).not.toBe(sut[1]);
  });

  it('hashes with SHA-256, hex', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('keeps the first 10 characters for listings', () => {
    expect(displayPrefix('ct_abcdefghijk')).toBe('ct_abcdefg');
  });

  it.each([
    ['Bearer ct_abc', 'ct_abc'],
    ['bearer ct_abc', 'ct_abc'],
    ['Bearer   ct_abc  ', 'ct_abc'],
    ['Basic dXNlcjpwYXNz', null],
    ['Bearer', null],
    ['Bearer two words', null],
    ['ct_abc', null],
    ['', null],
    [undefined, null],
  ])('reads the key of %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});

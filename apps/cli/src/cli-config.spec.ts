import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliConfig as sut, UsageError } from './cli-config.js';

describe('cliConfig', () => {
  it('uses the local API and no key by default', () => {
    expect(sut({}, {})).toEqual({ apiUrl: 'http://127.0.0.1:3000', apiKey: null, json: false });
  });

  it('prefers flags over the environment and trims a trailing slash', () => {
    const config = sut(
      { 'api-url': 'http://api:8080/', key: 'flag-key', json: true },
      { CT_API_URL: 'http://other', CT_API_KEY: 'env-key' },
    );
    expect(config).toEqual({ apiUrl: 'http://api:8080', apiKey: 'flag-key', json: true });
  });

  it('reads the key from CT_API_KEY_FILE', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ct-cli-')), 'key');
    writeFileSync(file, 'file-key\n');
    expect(sut({}, { CT_API_KEY_FILE: file }).apiKey).toBe('file-key');
  });

  it.each([
    [{ 'api-url': 'ftp://x' }, {}, /not an http\(s\) URL/],
    [{}, { CT_API_URL: 'nonsense' }, /not an http\(s\) URL/],
    [{}, { CT_API_KEY_FILE: '/nonexistent/key' }, /cannot read \/nonexistent\/key: ENOENT/],
  ])('refuses %j %j', (flags, env, message) => {
    expect(() => sut(flags, env)).toThrow(UsageError);
    expect(() => sut(flags, env)).toThrow(message);
  });
});

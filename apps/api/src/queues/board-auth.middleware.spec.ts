import { basicPassword } from './board-auth.middleware.js';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('basicPassword', () => {
  it.each<[string, string | undefined, string | null]>([
    ['the password, whatever the user name', basic('admin:ct_key-1'), 'ct_key-1'],
    ['a password that holds a colon', basic('x:a:b'), 'a:b'],
    ['an empty user name', basic(':ct_key'), 'ct_key'],
    ['no password', basic('admin'), null],
    ['an empty password', basic('admin:'), null],
    ['a password with spaces', basic('admin:a b'), null],
    ['a Bearer header', 'Bearer ct_key', null],
    ['no header', undefined, null],
  ])('reads %s', (_case, header, expected) => {
    expect(basicPassword(header)).toBe(expected);
  });
});

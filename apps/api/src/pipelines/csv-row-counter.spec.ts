import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countCsvRows, csvFields, parseTime } from './csv-row-counter.js';

describe('csvFields', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a,1",b', ['a,1', 'b']],
    ['"say ""hi""",2', ['say "hi"', '2']],
    [',,', ['', '', '']],
  ])('%s', (line, expected) => {
    expect(csvFields(line)).toEqual(expected);
  });
});

describe('parseTime', () => {
  it.each([
    ['2026-12-01', Date.UTC(2026, 11, 1)],
    ['2026-12-01 10:30', Date.UTC(2026, 11, 1, 10, 30)],
    ['2026-12-01T10:30:15.5', Date.UTC(2026, 11, 1, 10, 30, 15, 500)],
    ['2026-12-01T10:30:00+02:00', Date.UTC(2026, 11, 1, 8, 30)],
    ['2026-12-01T10:30:00Z', Date.UTC(2026, 11, 1, 10, 30)],
  ])('%s', (text, expected) => {
    expect(parseTime(text)).toBe(expected);
  });

  it('is NaN for what is not a time', () => {
    expect(parseTime('yesterday-ish')).toBeNaN();
  });
});

describe('countCsvRows (a real file)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ct-csv-count-'));
    await writeFile(
      join(root, 'visits.csv'),
      'x,"at",y\n1,2026-12-01 09:00,2\n2,"2026-12-01T10:00:00Z",4\n3,not a time,6\n\n4,2026-12-01T12:00:00+01:00,8\n',
    );
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const until = new Date('2026-12-02T00:00:00Z');
  it('counts the rows in the window, from excluded and until included', async () => {
    expect(await countCsvRows(root, 'visits.csv', 'at', null, until)).toBe(3);
    expect(await countCsvRows(root, 'visits.csv', 'at', new Date('2026-12-01T09:00:00Z'), until)).toBe(2);
    expect(await countCsvRows(root, 'visits.csv', 'at', null, new Date('2026-12-01T10:00:00Z'))).toBe(2);
  });

  it('does not read a file that has not changed since the previous count', async () => {
    await utimes(join(root, 'visits.csv'), new Date('2026-11-01'), new Date('2026-11-01'));
    expect(await countCsvRows(root, 'visits.csv', 'at', new Date('2026-11-02T00:00:00Z'), until)).toBe(0);
  });

  it('refuses a path out of the root and names a missing column', async () => {
    await expect(countCsvRows(root, '../elsewhere.csv', 'at', null, until)).rejects.toThrow(
      /not under the data root/,
    );
    await expect(countCsvRows(root, 'visits.csv', 'when', null, until)).rejects.toThrow(/has no column when/);
  });
});

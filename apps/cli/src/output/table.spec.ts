import { age, fromNow, instant, formatTable as sut } from './table.js';

describe('formatTable', () => {
  const columns = [
    { heading: 'id', cell: (row: { id: string; n: number | null }) => row.id },
    { heading: 'count', cell: (row: { id: string; n: number | null }) => row.n },
  ];

  it('aligns columns under upper-case headings and shows missing cells as -', () => {
    expect(
      sut(
        [
          { id: 'a', n: 1 },
          { id: 'longer-id', n: null },
        ],
        columns,
      ),
    ).toBe(['ID         COUNT', 'a          1', 'longer-id  -'].join('\n'));
  });

  it('says so when there are no rows', () => {
    expect(sut([], columns, 'no jobs')).toBe('no jobs');
  });
});

describe('age', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it.each([
    ['2026-01-01T11:59:18Z', '42s'],
    ['2026-01-01T11:55:00Z', '5m'],
    ['2026-01-01T09:00:00Z', '3h'],
    ['2025-12-29T12:00:00Z', '3d'],
    [null, '-'],
  ])('shows %p as %p', (iso, expected) => {
    expect(age(iso, now)).toBe(expected);
  });
});

describe('fromNow', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it.each([
    ['2026-01-01T12:00:42Z', 'in 42s'],
    ['2026-01-01T12:00:00Z', 'in 0s'],
    ['2026-01-01T12:05:00Z', 'in 5m'],
    ['2026-01-01T15:00:00Z', 'in 3h'],
    ['2026-01-04T12:00:00Z', 'in 3d'],
    ['2026-01-01T11:59:18Z', '42s ago'],
    ['2026-01-01T09:00:00Z', '3h ago'],
    [null, '-'],
  ])('shows %p as %p', (iso, expected) => {
    expect(fromNow(iso, now)).toBe(expected);
  });
});

describe('instant', () => {
  it.each([
    ['2026-01-01T12:00:00.123Z', '2026-01-01T12:00:00Z'],
    ['2026-01-01T13:00:00+01:00', '2026-01-01T12:00:00Z'],
    ['not a time', 'not a time'],
    [null, '-'],
  ])('shows %p as %p', (iso, expected) => {
    expect(instant(iso)).toBe(expected);
  });
});

import { age, formatTable as sut } from './table.js';

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

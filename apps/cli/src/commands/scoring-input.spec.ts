import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli-config.js';
import { GROUND_TRUTH_BATCH, mergeResults, readGroundTruth, readRows } from './scoring-input.js';

describe('reading the files of ct score and ct ground-truth', () => {
  let dir: string;
  const file = (content: unknown) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ct-cli-scoring-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['an array of rows', [{ id: 'a', x: 1 }], [{ id: 'a', x: 1 }]],
    ['rows under "rows"', { rows: [{ x: 1 }, { x: null }] }, [{ x: 1 }, { x: null }]],
  ])('readRows takes %s', (_case, content, rows) => {
    expect(readRows(file(content))).toEqual(rows);
  });

  it.each([
    ['a file that is not JSON', 'x,y\n1,2', /is not JSON/],
    ['an object without rows', { x: 1 }, /array of rows/],
    ['rows that are not objects', [[1, 2]], /array of rows/],
    ['no rows', [], /holds no rows/],
    ['more rows than go inline', Array.from({ length: 1_001 }, () => ({ x: 1 })), /1001 rows; at most 1000/],
  ])('readRows refuses %s', (_case, content, message) => {
    const sut = () => readRows(file(content));
    expect(sut).toThrow(UsageError);
    expect(sut).toThrow(message);
  });

  it('readRows names a file it cannot read', () => {
    expect(() => readRows(join(dir, 'missing.json'))).toThrow(/cannot read .*ENOENT/);
  });

  it.each([
    ['an array of items', [{ rowKey: 'a', outcome: 1 }], [{ items: [{ rowKey: 'a', outcome: 1 }] }]],
    ['items', { items: [{ rowKey: 'a', outcome: 1 }] }, [{ items: [{ rowKey: 'a', outcome: 1 }] }]],
    [
      'pairs',
      { pairs: [{ rowKey: 'a', prediction: 2, outcome: 1 }] },
      [{ pairs: [{ rowKey: 'a', prediction: 2, outcome: 1 }] }],
    ],
  ])('readGroundTruth takes %s', (_case, content, bodies) => {
    expect(readGroundTruth(file(content))).toEqual(bodies);
  });

  it('readGroundTruth sends a long file in batches, in order', () => {
    const items = Array.from({ length: GROUND_TRUTH_BATCH * 2 + 5 }, (_, i) => ({
      rowKey: `k${i}`,
      outcome: i,
    }));
    const sut = readGroundTruth(file({ items }));
    expect(sut.map((body) => ('items' in body ? body.items.length : 0))).toEqual([
      GROUND_TRUTH_BATCH,
      GROUND_TRUTH_BATCH,
      5,
    ]);
    expect(sut.flatMap((body) => ('items' in body ? body.items : []))).toEqual(items);
  });

  it.each([
    ['items and pairs', { items: [], pairs: [] }],
    ['neither', { outcomes: [] }],
    ['no items', { items: [] }],
    ['a number', 3],
  ])('readGroundTruth refuses %s', (_case, content) => {
    expect(() => readGroundTruth(file(content))).toThrow(UsageError);
  });

  it('mergeResults adds the counts up and lists each unknown key once, sorted', () => {
    const sut = mergeResults([
      { attached: 2, unchanged: 1, unknownKeys: ['z', 'b'], inserted: 0 },
      { attached: 3, unchanged: 0, unknownKeys: ['b', 'a'], inserted: 4 },
    ]);
    expect(sut).toEqual({ attached: 5, unchanged: 1, unknownKeys: ['a', 'b', 'z'], inserted: 4 });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobTask } from '@ct/shared';
import { GROUND_TRUTH_BATCH } from '../src/commands/scoring-input.js';
import { jobFixture, RUN_JOB_ID } from './pipeline-fixtures.js';
import { ctRunner } from './run-ct.js';
import { evaluationFixture, predictionFixture } from './scoring-fixtures.js';

const scoreTask = (overrides: Partial<Extract<JobTask, { kind: 'score' }>> = {}): JobTask => ({
  kind: 'score',
  model: 'champion',
  source: null,
  since: null,
  until: null,
  rows: null,
  keyColumn: 'id',
  mirrorToIris: false,
  ...overrides,
});
const queued = (task: JobTask) => ({
  status: 202,
  body: { job: jobFixture({ kind: task.kind, task, triggerId: null }) },
});

describe('ct score, ground-truth, monitor, predictions and performance, against the contract fake', () => {
  const runner = ctRunner();
  const ct = runner.ct;
  let dir: string;
  const file = (content: unknown) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ct-cli-scoring-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => expect(await runner.finish()).toEqual([]));

  it("score: the pipeline's own source by default; prints the job and how to follow it", async () => {
    const sut = await ct({ submitScores: () => queued(scoreTask()) }, 'score', 'churn');
    expect(sut.err).toBe('');
    expect(sut.code).toBe(0);
    expect(sut.requests).toEqual([
      expect.objectContaining({ route: 'submitScores', params: { id: 'churn' }, body: {} }),
    ]);
    expect(sut.out).toBe(
      `queued score job ${RUN_JOB_ID} (pipeline churn, model champion, the pipeline's source)\nfollow it: ct watch ${RUN_JOB_ID}`,
    );
  });

  it("score --rows sends the file's rows, with --model and --key-column", async () => {
    const rows = [
      { customer: 'c1', age: 31, plan: 'pro' },
      { customer: 'c2', age: null, plan: 'free' },
    ];
    const sut = await ct(
      { submitScores: ({ body }) => queued(scoreTask({ ...(body as object), rows })) },
      ...['score', 'churn', '--rows', file({ rows }), '--model', '3', '--key-column', 'customer', '--json'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.body).toEqual({ rows, model: '3', keyColumn: 'customer' });
    expect(JSON.parse(sut.out)).toMatchObject({ job: { kind: 'score', task: { rows, model: '3' } } });
  });

  it('score --mirror-to-iris asks for the predictions in IRIS too', async () => {
    const sut = await ct(
      { submitScores: ({ body }) => queued(scoreTask(body as object)) },
      ...['score', 'churn', '--mirror-to-iris'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.body).toEqual({ mirrorToIris: true });
    expect(sut.out).toContain("(pipeline churn, model champion, the pipeline's source, mirrored to IRIS)");
  });

  it('score --since --until bounds the source', async () => {
    const since = '2026-01-01T00:00:00Z';
    const until = '2026-01-02T00:00:00Z';
    const sut = await ct(
      { submitScores: () => queued(scoreTask({ since, until })) },
      ...['score', 'churn', '--since', since, '--until', until],
    );
    expect(sut.requests[0]?.body).toEqual({ since, until });
    expect(sut.out.split('\n')[0]).toContain(
      "the pipeline's source from 2026-01-01T00:00:00Z to 2026-01-02T00:00:00Z",
    );
  });

  it.each([
    [
      '--rows with --since',
      ['--rows', 'x.json', '--since', '2026-01-01T00:00:00Z'],
      /--rows go without --since/,
    ],
    ['a rows file that is not there', ['--rows', '/no/such/rows.json'], /cannot read \/no\/such\/rows.json/],
  ])('score refuses %s before calling the API: exit 2', async (_case, flags, message) => {
    const sut = await ct({}, 'score', 'churn', ...flags);
    expect(sut.code).toBe(2);
    expect(sut.err).toMatch(message);
    expect(sut.requests).toEqual([]);
  });

  it('score of a pipeline without a champion: the 409 and its message, exit 3', async () => {
    const message = 'pipeline churn has no champion yet (no model version has the alias champion)';
    const sut = await ct(
      { submitScores: () => ({ status: 409, body: { code: 'conflict', message } }) },
      'score',
      'churn',
    );
    expect(sut.code).toBe(3);
    expect(sut.err).toBe(`ct: 409 conflict: ${message}`);
  });

  it('score with rows the contract refuses: 400 naming the field, exit 3', async () => {
    const sut = await ct({}, 'score', 'churn', '--rows', file([{ x: [1, 2] }, { x: { y: 1 } }]));
    expect(sut.code).toBe(3);
    expect(sut.err).toMatch(/^ct: 400 validation_failed: rows\.0\.x: /);
  });

  it('monitor: the window and the model as given; prints the window of the queued job', async () => {
    const task: JobTask = {
      kind: 'monitor',
      model: 'champion',
      windowStart: '2026-01-01T23:00:00.000Z',
      windowEnd: '2026-01-02T00:00:00.000Z',
    };
    const sut = await ct(
      { submitMonitor: () => queued(task) },
      ...['monitor', 'churn', '--window-seconds', '3600'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.body).toEqual({ windowSeconds: 3600 });
    expect(sut.out.split('\n')[0]).toBe(
      `queued monitor job ${RUN_JOB_ID} (pipeline churn, model champion, predictions from 2026-01-01T23:00:00Z to 2026-01-02T00:00:00Z)`,
    );
    const bad = await ct({}, 'monitor', 'churn', '--window-seconds', 'an hour');
    expect([bad.code, bad.requests]).toEqual([2, []]);
  });

  it('ground-truth: sends the file in batches and prints attached, unchanged and unknown keys', async () => {
    const items = Array.from({ length: GROUND_TRUTH_BATCH + 2 }, (_, i) => ({
      rowKey: `k${i}`,
      outcome: i % 2,
    }));
    const sut = await ct(
      {
        recordGroundTruth: ({ body }) => {
          const sent = (body as { items: { rowKey: string }[] }).items;
          const unknown = sent.filter(
            (item) => item.rowKey === 'k3' || item.rowKey === `k${GROUND_TRUTH_BATCH}`,
          );
          return {
            status: 200,
            body: {
              attached: sent.length - unknown.length,
              unchanged: 0,
              unknownKeys: unknown.map((item) => item.rowKey),
              inserted: 0,
            },
          };
        },
      },
      ...['ground-truth', 'churn', '--file', file({ items })],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests.map((r) => (r.body as { items: unknown[] }).items.length)).toEqual([
      GROUND_TRUTH_BATCH,
      2,
    ]);
    expect(sut.out.split('\n')).toEqual([
      `attached ${GROUND_TRUTH_BATCH}, unchanged 0, inserted 0, unknown 2`,
      `unknown row keys (no stored prediction): k${GROUND_TRUTH_BATCH}, k3`,
    ]);
  });

  it('ground-truth of the wrong type is a 400 naming the field; without --file it is a usage error', async () => {
    const sut = await ct({}, 'ground-truth', 'churn', '--file', file([{ rowKey: 'k1', outcome: 'high' }]));
    expect(sut.code).toBe(3);
    expect(sut.err).toMatch(/^ct: 400 validation_failed: /);
    const usage = await ct({}, 'ground-truth', 'churn');
    expect([usage.code, usage.err]).toEqual([
      2,
      expect.stringContaining('usage: ct ground-truth <pipeline> --file'),
    ]);
  });

  it('predictions: the filters become the query; a table, and how to read more', async () => {
    const sut = await ct(
      {
        listPredictions: () => ({
          status: 200,
          body: {
            items: [predictionFixture({ outcome: 11, observedAt: '2026-01-01T13:00:00.000Z' })],
            nextCursor: 'c2',
          },
        }),
      },
      ...['predictions', 'churn', '--labelled', '--model-version', '2', '--limit', '1'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.query).toEqual({ labelled: 'true', modelVersion: '2', limit: '1' });
    expect(sut.out.split('\n')).toEqual([
      'SCORED                ROW KEY  VERSION  PREDICTION  OUTCOME  OBSERVED              JOB',
      '2026-01-01T12:00:00Z  k1       2        10.5        11       2026-01-01T13:00:00Z  00000000-0000-4000-8000-00000000d001',
      'more: ct predictions churn --cursor c2',
    ]);
    const both = await ct({}, 'predictions', 'churn', '--labelled', '--unlabelled');
    expect([both.code, both.requests]).toEqual([2, []]);
  });

  it('performance: the series as a table, or as JSON', async () => {
    const series = { items: [evaluationFixture()] };
    const sut = await ct({ getPerformance: () => ({ status: 200, body: series }) }, 'performance', 'churn');
    expect(sut.code).toBe(0);
    expect(sut.out.split('\n')[0]).toMatch(/^EVALUATED +VERSION +WINDOW +SAMPLES +MAE +R2 +DRIFT$/);
    const json = await ct(
      { getPerformance: () => ({ status: 200, body: series }) },
      'performance',
      'churn',
      '--json',
    );
    expect(JSON.parse(json.out)).toEqual(series);
  });
});

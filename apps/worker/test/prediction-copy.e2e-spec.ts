import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateRowKeyError, type JobEntity, type PipelineEntity, PredictionCopy } from '@ct/db';
import { ScoringWorld } from './support/scoring-world.js';
import { spec, TEAM, TrainingFixture } from './support/training-fixture.js';

const HEADER = 'row_key,prediction,probabilities,features,features_hash,inference_us';
const SCORED_AT = new Date('2026-12-02T10:00:00.000Z');

/** A predictions file as the score child writes it (Python's csv module: JSON cells quoted, "" inside). */
function predictionsFile(keys: string[], offset = 0): string {
  const lines = keys.map(
    (key, i) =>
      `${key},${i + offset},"{""0"": 0.25, ""1"": 0.75}","{""x"": ${i}, ""label"": ""a,b""}",h${i},12.5`,
  );
  return `${HEADER}\n${lines.join('\n')}\n`;
}

describe('PredictionCopy (real Postgres): prediction files in and out with COPY', () => {
  let fx: TrainingFixture;
  let world: ScoringWorld;
  let sut: PredictionCopy;
  let pipeline: PipelineEntity;
  let dir: string;

  beforeAll(async () => {
    fx = await TrainingFixture.create();
    world = new ScoringWorld(fx);
    sut = new PredictionCopy(fx.dataSource);
    pipeline = await world.register((name) => spec({ pipeline: name }));
    dir = await mkdtemp(join(tmpdir(), 'ct-prediction-copy-'));
  });

  afterAll(async () => {
    await fx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A score job whose attempt 1 runs (as the worker's attempt would). */
  async function runningScoreJob(): Promise<JobEntity> {
    const queued = await world.score(pipeline, { rows: [{ id: 'a' }] });
    const moved = await fx.lifecycle.move(queued.id, {
      to: 'running',
      from: ['queued'],
      attempt: 0,
      startAttempt: { worker: 'test' },
      patch: {},
    });
    if (moved === null) throw new Error('the job did not start');
    return moved.job;
  }

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  const batch = (job: JobEntity, attempt = 1) => ({
    team: TEAM,
    pipelineId: pipeline.id,
    jobId: job.id,
    attempt,
    modelVersion: '3',
    runId: 'train-run',
    scoredAt: SCORED_AT,
  });

  it('stores each row with the worker constants; a second load of the job replaces the first', async () => {
    const job = await runningScoreJob();
    expect(
      await sut.loadScores(await file('first.csv', predictionsFile(['k1', 'k2', 'k3'])), batch(job)),
    ).toBe(3);
    expect(await sut.loadScores(await file('again.csv', predictionsFile(['k1', 'k2'], 10)), batch(job))).toBe(
      2,
    );
    const stored = await world.stored(job.id);
    expect(stored).toEqual([
      expect.objectContaining({ rowKey: 'k1', prediction: 10, modelVersion: '3', runId: 'train-run' }),
      expect.objectContaining({ rowKey: 'k2', prediction: 11, features: { x: 1, label: 'a,b' } }),
    ]);
    const [row] = await fx.dataSource.query(
      'SELECT team, pipeline_id, scored_at, probabilities, inference_us FROM predictions WHERE job_id = $1 LIMIT 1',
      [job.id],
    );
    expect(row).toEqual({
      team: TEAM,
      pipeline_id: pipeline.id,
      scored_at: SCORED_AT,
      probabilities: { 0: 0.25, 1: 0.75 },
      inference_us: 12.5,
    });
  });

  it('writes nothing for an attempt that is no longer the running one', async () => {
    const job = await runningScoreJob();
    expect(await sut.loadScores(await file('stale.csv', predictionsFile(['s1'])), batch(job, 2))).toBeNull();
    expect(await world.stored(job.id)).toEqual([]);
  });

  it.each([
    ['a repeated key', predictionsFile(['d1', 'd1']), DuplicateRowKeyError],
    ['another header', `row_key,prediction\nk,1\n`, Error],
  ])('refuses a file with %s and keeps the earlier predictions', async (_, text, error) => {
    const job = await runningScoreJob();
    await sut.loadScores(await file('kept.csv', predictionsFile(['e1'])), batch(job));
    await expect(sut.loadScores(await file('bad.csv', text), batch(job))).rejects.toThrow(error);
    expect((await world.stored(job.id)).map((row) => row.rowKey)).toEqual(['e1']);
  });

  it("exports a version's window with outcomes (empty when not labelled), oldest first", async () => {
    const job = await runningScoreJob();
    await sut.loadScores(await file('window.csv', predictionsFile(['w1', 'w2'])), batch(job));
    await world.predictions.recordGroundTruth(
      { pipelineId: pipeline.id, team: TEAM },
      { items: [{ rowKey: 'w2', outcome: 4.5 }] },
    );
    const out = join(dir, 'exported.csv');
    const window = { pipelineId: pipeline.id, modelVersion: '3', start: SCORED_AT, end: SCORED_AT };
    const exported = await sut.exportWindow(window, out);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('row_key,prediction,outcome,features,scored_at');
    expect(lines).toContain(`w1,0,,"{""x"": 0, ""label"": ""a,b""}",2026-12-02T10:00:00.000Z`);
    expect(lines).toContain(`w2,1,4.5,"{""x"": 1, ""label"": ""a,b""}",2026-12-02T10:00:00.000Z`);
    expect(exported).toBe(lines.length - 1);
    const other = await sut.exportWindow({ ...window, modelVersion: '4' }, join(dir, 'none.csv'));
    expect(other).toBe(0);
  });
});

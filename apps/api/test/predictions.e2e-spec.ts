import { MonitoringStore } from '@ct/db';
import {
  groundTruthResultSchema,
  type Prediction,
  performanceSeriesSchema,
  predictionPageSchema,
} from '@ct/shared';
import { bearer, startTestApi, type TestApi } from './harness.js';
import { createPipeline, pipelineBody } from './pipeline-fixtures.js';
import { insertPredictions, queuedScoreJob } from './scoring-fixtures.js';

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));

describe("a pipeline's predictions, ground truth and performance (real Postgres)", () => {
  let api: TestApi;
  let keyA: string;
  let viewerA: string;
  let keyB: string;
  let a: { id: string; team: string; name: string };
  let b: { id: string; team: string; name: string };

  const page = async (ref: string, query = '', key = viewerA) => {
    const res = await api.http().get(`/v1/pipelines/${ref}/predictions${query}`).set(bearer(key)).expect(200);
    return predictionPageSchema.parse(res.body);
  };
  const label = (ref: string, body: object, key = keyA) =>
    api.http().post(`/v1/pipelines/${ref}/ground-truth`).set(bearer(key)).send(body);

  beforeAll(async () => {
    api = await startTestApi();
    keyA = await api.key('team-a', 'submitter');
    viewerA = await api.key('team-a', 'viewer');
    keyB = await api.key('team-b', 'submitter');
    a = await createPipeline(api, keyA, pipelineBody('labelled'));
    // Team B's pipeline has the same name and the same row keys: nothing may cross.
    b = await createPipeline(api, keyB, pipelineBody('labelled'));
    const job = await queuedScoreJob(api, 'team-a', 'labelled');
    await insertPredictions(api, a, [
      { rowKey: 'k1', prediction: 10, scoredAt: at(1), jobId: job.id },
      { rowKey: 'k2', prediction: 20, scoredAt: at(2), jobId: job.id, probabilities: { '0': 0.3, '1': 0.7 } },
      { rowKey: 'k3', prediction: 30, scoredAt: at(3), jobId: job.id, modelVersion: '2' },
      // The same row scored again by another version: its ground truth goes to both.
      { rowKey: 'k1', prediction: 11, scoredAt: at(4), modelVersion: '2' },
    ]);
    await insertPredictions(api, b, [{ rowKey: 'k1', prediction: 99, scoredAt: at(1) }]);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('pages the predictions newest first, as the shared schema has them', async () => {
    const all = await page('labelled');
    expect(all.items.map((p) => [p.rowKey, p.prediction])).toEqual([
      ['k1', 11],
      ['k3', 30],
      ['k2', 20],
      ['k1', 10],
    ]);
    const k2 = all.items.find((p) => p.rowKey === 'k2') as Prediction;
    expect(k2).toEqual({
      id: expect.stringMatching(/^\d+$/),
      rowKey: 'k2',
      jobId: expect.any(String),
      modelVersion: '1',
      runId: 'run-1',
      prediction: 20,
      probabilities: { '0': 0.3, '1': 0.7 },
      features: { x: 1 },
      featuresHash: 'hash',
      scoredAt: at(2).toISOString(),
      inferenceUs: 12.5,
      outcome: null,
      observedAt: null,
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const next: string = cursor ? `&cursor=${cursor}` : '';
      const one = await page(a.id, `?limit=1${next}`);
      seen.push(...one.items.map((p) => p.id));
      cursor = one.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((p) => p.id));
  });

  it.each<[string, string, [string, number][]]>([
    [
      'a model version',
      '?modelVersion=2',
      [
        ['k1', 11],
        ['k3', 30],
      ],
    ],
    [
      'a time range',
      `?since=${at(2).toISOString()}&until=${at(3).toISOString()}`,
      [
        ['k3', 30],
        ['k2', 20],
      ],
    ],
  ])('filters by %s', async (_case, query, expected) => {
    expect((await page('labelled', query)).items.map((p) => [p.rowKey, p.prediction])).toEqual(expected);
  });

  it.each([
    ['a cursor it did not make', '?cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['a model version that is not a number', '?modelVersion=latest', 'modelVersion'],
    ['a labelled flag that is not true or false', '?labelled=yes', 'labelled'],
    ['a limit over 1000', '?limit=1001', 'limit'],
  ])('answers 400 for %s', async (_case, query, path) => {
    const res = await api.http().get(`/v1/pipelines/labelled/predictions${query}`).set(bearer(viewerA));
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.body.details[0].path).toBe(path);
  });

  it('attaches outcomes by row key in bulk, reports unknown keys, and changes nothing on a re-send', async () => {
    const observedAt = '2026-01-02T00:00:00.000Z';
    const body = {
      items: [
        { rowKey: 'k1', outcome: 12, observedAt },
        { rowKey: 'k2', outcome: 1 },
        { rowKey: 'nope', outcome: 3 },
        { rowKey: 'also-nope', outcome: 4 },
      ],
    };
    const first = groundTruthResultSchema.parse((await label('labelled', body).expect(200)).body);
    expect(first).toEqual({ attached: 3, unchanged: 0, unknownKeys: ['also-nope', 'nope'], inserted: 0 });
    const again = groundTruthResultSchema.parse((await label(a.id, body).expect(200)).body);
    expect(again).toEqual({ attached: 0, unchanged: 3, unknownKeys: ['also-nope', 'nope'], inserted: 0 });

    const labelled = await page('labelled', '?labelled=true');
    expect(labelled.items.map((p) => [p.rowKey, p.prediction, p.outcome])).toEqual([
      ['k1', 11, 12],
      ['k2', 20, 1],
      ['k1', 10, 12],
    ]);
    expect(labelled.items[0]?.observedAt).toBe(observedAt);
    expect((await page('labelled', '?labelled=false')).items.map((p) => p.rowKey)).toEqual(['k3']);

    // A corrected outcome is attached again; the last item of a key wins.
    const corrected = await label('labelled', {
      items: [
        { rowKey: 'k2', outcome: 5 },
        { rowKey: 'k2', outcome: 0 },
      ],
    }).expect(200);
    expect(corrected.body).toEqual({ attached: 1, unchanged: 0, unknownKeys: [], inserted: 0 });
    expect((await page('labelled', '?labelled=true')).items.find((p) => p.rowKey === 'k2')?.outcome).toBe(0);
  });

  it("keeps teams apart: team B's labels reach only its own pipeline, and team A's are 404 to it", async () => {
    expect(
      (await label('labelled', { items: [{ rowKey: 'k1', outcome: 1000 }] }, keyB).expect(200)).body,
    ).toEqual({
      attached: 1,
      unchanged: 0,
      unknownKeys: [],
      inserted: 0,
    });
    expect((await page(b.id, '', keyB)).items.map((p) => [p.prediction, p.outcome])).toEqual([[99, 1000]]);
    expect((await page('labelled')).items.map((p) => p.outcome)).not.toContain(1000);
    for (const res of [
      await label(a.id, { items: [{ rowKey: 'k3', outcome: 1 }] }, keyB),
      await api.http().get(`/v1/pipelines/${a.id}/predictions`).set(bearer(keyB)),
      await api.http().get(`/v1/pipelines/${a.id}/performance`).set(bearer(keyB)),
    ])
      expect([res.status, res.body.code]).toEqual([404, 'not_found']);
    expect((await page('labelled', '?labelled=false')).items.map((p) => p.rowKey)).toEqual(['k3']);
  });

  it('stores prediction/outcome pairs of an outside serving system', async () => {
    const res = await label('labelled', {
      pairs: [
        { rowKey: 'ext-1', prediction: 1.5, outcome: 2, modelVersion: '2', scoredAt: at(5).toISOString() },
        { rowKey: 'ext-2', prediction: 2.5, outcome: 2 },
      ],
    }).expect(200);
    expect(res.body).toEqual({ attached: 0, unchanged: 0, unknownKeys: [], inserted: 2 });
    const ext = (await page('labelled', '?labelled=true')).items.filter((p) => p.rowKey.startsWith('ext'));
    expect(ext.map((p) => [p.rowKey, p.jobId, p.modelVersion, p.prediction, p.outcome])).toEqual(
      expect.arrayContaining([
        ['ext-1', null, '2', 1.5, 2],
        ['ext-2', null, null, 2.5, 2],
      ]),
    );
  });

  it.each<[string, object, string]>([
    ['an outcome of the wrong type', { items: [{ rowKey: 'k1', outcome: 'high' }] }, 'items.0.outcome'],
    ['no items', { items: [] }, 'items'],
    ['a row key that is not text', { items: [{ rowKey: 7, outcome: 1 }] }, 'items.0.rowKey'],
    ['a pair without its prediction', { pairs: [{ rowKey: 'x', outcome: 1 }] }, 'pairs.0.prediction'],
    ['items and pairs together', { items: [{ rowKey: 'k1', outcome: 1 }], pairs: [] }, ''],
    ['neither items nor pairs', {}, ''],
  ])('answers 400 for %s, and attaches nothing', async (_case, body, path) => {
    const before = await page('labelled', '?limit=1000');
    const res = await label('labelled', body);
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    if (path) expect(res.body.details.map((issue: { path: string }) => issue.path)).toContain(path);
    expect(await page('labelled', '?limit=1000')).toEqual(before);
  });

  it('returns the performance series oldest first, the latest `limit` of it', async () => {
    const store = api.app.get(MonitoringStore);
    const jobs = [await queuedScoreJob(api, 'team-a'), await queuedScoreJob(api, 'team-a')];
    const drift = {
      shareDrifted: 0.5,
      drifted: 1,
      features: {
        x: { score: 0.01, drifted: true, method: 'ks' },
        y: { score: 0.4, drifted: false, method: 'ks' },
      },
    };
    for (const [i, job] of jobs.entries())
      await store.record({
        team: 'team-a',
        pipelineId: a.id,
        jobId: job.id,
        modelVersion: '2',
        windowStart: at(i),
        windowEnd: at(i + 60),
        samples: 50 + i,
        scored: 100,
        metrics: i === 0 ? { r2: 0.9, mae: 1 } : { r2: 0.1, mae: 4 },
        drift: i === 0 ? drift : null,
        driftSkipped: i === 0 ? null : 'the champion has no reference sample',
        mlflowRunId: `monitor-run-${i}`,
      });
    const res = await api.http().get('/v1/pipelines/labelled/performance').set(bearer(viewerA)).expect(200);
    const series = performanceSeriesSchema.parse(res.body);
    expect(series.items.map((e) => [e.jobId, e.samples, e.metrics.r2])).toEqual([
      [jobs[0]?.id, 50, 0.9],
      [jobs[1]?.id, 51, 0.1],
    ]);
    expect(series.items[0]).toMatchObject({
      drift,
      driftSkipped: null,
      windowStart: at(0).toISOString(),
      windowEnd: at(60).toISOString(),
      mlflowRunId: 'monitor-run-0',
    });
    expect(series.items[1]).toMatchObject({
      drift: null,
      driftSkipped: 'the champion has no reference sample',
    });
    const latest = await api.http().get(`/v1/pipelines/${a.id}/performance?limit=1`).set(bearer(viewerA));
    expect(latest.body.items.map((e: { jobId: string }) => e.jobId)).toEqual([jobs[1]?.id]);
    expect((await api.http().get('/v1/pipelines/labelled/performance').set(bearer(keyB))).body).toEqual({
      items: [],
    });
  });
});

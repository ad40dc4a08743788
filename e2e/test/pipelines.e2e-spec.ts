import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, Pipeline, SubmitJobInput, TriggerPage, TriggerRecord } from '@ct/shared';
import { waitFor } from '@ct/test-support';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { getRun, tagsOf } from './mlflow.js';
import { client, type Stack, startStack } from './stack.js';

/** A run that trains in a few seconds: a ridge regression on the bundled diabetes data. */
function spec(pipeline: string): SubmitJobInput['spec'] {
  return {
    pipeline,
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 0.5 } },
  };
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 6)}`;

describe('registered pipelines and triggers: two API processes, two workers (real processes)', () => {
  let stack: Stack;
  let second: Awaited<ReturnType<Stack['startApi']>>;
  let ticks: Queue;
  let redis: Redis;
  const one = () => client(stack);
  const two = () => client({ apiUrl: second.url, adminKey: stack.adminKey });

  const records = async (id: string): Promise<TriggerRecord[]> => {
    const items: TriggerRecord[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await one().call('GET', `/v1/pipelines/${id}/triggers?limit=200${query}`))
        .body as TriggerPage;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  const jobsOf = async (name: string): Promise<Job[]> =>
    ((await one().call('GET', `/v1/jobs?pipeline=${name}&limit=200`)).body as { items: Job[] }).items;
  const create = async (body: Record<string, unknown>, via = one()): Promise<Pipeline> => {
    const res = await via.call('POST', '/v1/pipelines', body);
    if (res.status !== 201)
      throw new Error(`creating a pipeline answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as Pipeline;
  };

  beforeAll(async () => {
    stack = await startStack({ workers: 2 });
    second = await stack.startApi();
    redis = new Redis(String(stack.env.REDIS_URL), { maxRetriesPerRequest: null });
    ticks = new Queue('ct-triggers', { connection: redis, prefix: stack.env.BULLMQ_PREFIX });
  }, 120_000);

  afterAll(async () => {
    await ticks?.close();
    redis?.disconnect();
    await stack?.stop();
  }, 60_000);

  it('a schedule every 2 s: each tick is recorded once and starts at most one run, runs never overlap; disabling stops the ticks', async () => {
    const name = unique('every-2s');
    const pipeline = await create({ spec: spec(name), schedule: { cron: '*/2 * * * * *', timezone: 'UTC' } });
    expect(Date.parse(pipeline.nextRunAt ?? '') % 2000).toBe(0);

    // Two runs end to end, one after the other, while the ticks in between are suppressed.
    await waitFor(
      'two scheduled runs to succeed',
      async () =>
        (await jobsOf(name)).filter((job) => job.state === 'succeeded').length >= 2 ? true : undefined,
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    const disabled = await two().call('POST', `/v1/pipelines/${pipeline.id}/disable`);
    expect(disabled.status).toBe(200);
    const disabledAt = Date.now();
    expect(await ticks.getJobScheduler(`pipeline:${pipeline.id}`)).toBeUndefined();
    await sleep(5_000);

    const all = await records(pipeline.id);
    const tickTimes = all.map((record) => Date.parse(String(record.figures.tickAt)));
    expect(all.every((record) => record.kind === 'schedule')).toBe(true);
    expect(tickTimes.every((at) => at % 2000 === 0)).toBe(true);
    expect(new Set(tickTimes).size).toBe(tickTimes.length);
    // A tick already taken when the pipeline was disabled may still be recorded, as suppressed; none after.
    expect(tickTimes.filter((at) => at > disabledAt + 2_000)).toEqual([]);
    for (const record of all.filter((r) => Date.parse(String(r.figures.tickAt)) > disabledAt))
      expect(record.reason).toBe('pipeline_disabled');

    const started = all.filter((record) => record.outcome === 'started');
    const suppressed = all.filter((record) => record.outcome === 'suppressed');
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(suppressed.map((record) => record.reason)).toContain('run_in_progress');
    const jobs = await jobsOf(name);
    // One job per started record, and each job names its record: no tick made two runs.
    expect(jobs.map((job) => job.triggerId).sort()).toEqual(started.map((record) => record.id).sort());
    expect(jobs.every((job) => job.trigger === 'schedule' && job.pipelineVersion === 1)).toBe(true);
    const byStart = [...jobs].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    for (let i = 1; i < byStart.length; i += 1) {
      const previousEnd = Date.parse(byStart[i - 1]?.finishedAt ?? '');
      expect(Date.parse(byStart[i]?.createdAt ?? '')).toBeGreaterThanOrEqual(previousEnd);
    }
    process.stdout.write(
      `schedule every 2 s, 2 APIs + 2 workers: ${all.length} ticks recorded, ${started.length} runs started, ` +
        `${suppressed.length} suppressed (${[...new Set(suppressed.map((r) => r.reason))].join(', ')})\n`,
    );
  }, 240_000);

  it('deleting a pipeline removes its BullMQ job scheduler', async () => {
    const pipeline = await create(
      { spec: spec(unique('hourly')), schedule: { cron: '0 0 * * *', timezone: 'Europe/Paris' } },
      two(),
    );
    const held = await ticks.getJobScheduler(`pipeline:${pipeline.id}`);
    expect(held).toMatchObject({ pattern: '0 0 * * *', tz: 'Europe/Paris' });
    expect((await one().call('DELETE', `/v1/pipelines/${pipeline.id}`)).status).toBe(204);
    expect(await ticks.getJobScheduler(`pipeline:${pipeline.id}`)).toBeUndefined();
  });

  it('an API restart re-syncs the schedulers from Postgres: one deleted behind its back comes back, a stray one goes', async () => {
    const pipeline = await create({
      spec: spec(unique('nightly')),
      schedule: { cron: '30 2 * * *', timezone: 'UTC' },
    });
    await ticks.removeJobScheduler(`pipeline:${pipeline.id}`);
    const stray = `pipeline:${randomUUID()}`;
    await ticks.upsertJobScheduler(
      stray,
      { pattern: '0 3 * * *' },
      { name: 'pipeline-tick', data: { pipelineId: stray.slice(9) } },
    );
    await second.child.stop('SIGTERM');
    const restarted = await stack.startApi();
    second = restarted;
    await waitFor(
      'the restarted API to put the deleted scheduler back and remove the stray one',
      async () =>
        (await ticks.getJobScheduler(`pipeline:${pipeline.id}`)) && !(await ticks.getJobScheduler(stray))
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(await ticks.getJobScheduler(`pipeline:${pipeline.id}`)).toMatchObject({ pattern: '30 2 * * *' });
    expect(restarted.child.output()).toMatch(
      /schedules resynced from Postgres: 1 added, 0 replaced, 1 removed/,
    );
  });

  it('new data: below the threshold nothing, crossing it one run; crossing again while it runs is suppressed; then only rows after its high-water mark count', async () => {
    const name = unique('fresh-rows');
    const pipeline = await create({ spec: spec(name), triggers: { newData: { minNewRows: 100 } } });
    const arrive = async (rows: number) =>
      (
        await one().call('POST', `/v1/pipelines/${pipeline.id}/data-arrivals`, {
          rows,
          source: 'sales.orders',
        })
      ).body as { newData: { rowsSinceLastRun: number }; trigger: TriggerRecord | null };

    expect((await arrive(60)).trigger).toBeNull();
    const crossing = await arrive(60);
    expect(crossing.trigger).toMatchObject({
      kind: 'new_data',
      outcome: 'started',
      figures: { rowsSinceLastRun: 120, minNewRows: 100 },
    });
    const jobId = String(crossing.trigger?.jobId);
    await one().untilState(jobId, ['running', 'succeeded']);
    const during = await arrive(150);
    expect(during.trigger).toMatchObject({
      outcome: 'suppressed',
      reason: 'run_in_progress',
      figures: { blockingJobId: jobId },
    });

    const job = await one().untilState(jobId, ['succeeded', 'failed']);
    expect(job).toMatchObject({
      state: 'succeeded',
      trigger: 'new_data',
      pipelineId: pipeline.id,
      pipelineVersion: 1,
      triggerId: crossing.trigger?.id,
    });
    const view = (await one().call('GET', `/v1/pipelines/${pipeline.id}`)).body as Pipeline;
    // The 150 rows that came while it ran count; the 120 it was started for do not.
    expect(view.newData).toMatchObject({ rowsSinceLastRun: 150, highWaterMark: job.dataHighWater });
    expect(view.lastRun).toMatchObject({ jobId, state: 'succeeded' });

    const tags = tagsOf(await getRun(String(stack.env.MLFLOW_TRACKING_URI), String(job.mlflowRunId)));
    expect(tags).toMatchObject({
      'ct.trigger': 'new_data',
      'ct.pipeline_id': pipeline.id,
      'ct.pipeline_version': '1',
      'ct.trigger_id': String(crossing.trigger?.id),
      'ct.data_high_water': String(job.dataHighWater),
    });

    const next = await arrive(1);
    expect(next.trigger).toMatchObject({ outcome: 'started', figures: { rowsSinceLastRun: 151 } });
    await one().cancel(String(next.trigger?.jobId));
  }, 240_000);
});

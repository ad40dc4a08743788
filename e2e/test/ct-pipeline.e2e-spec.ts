import { randomUUID } from 'node:crypto';
import { type Job, type ModelView, PIPELINE_STEPS, type SubmitJobInput } from '@ct/shared';
import { readEventStream } from './sse.js';
import { client, type Stack, startStack } from './stack.js';

const TEAM = `ds-${randomUUID().slice(0, 6)}`;
const PIPELINE = `diabetes-ct-${randomUUID().slice(0, 6)}`;
const MODEL = `${TEAM}.${PIPELINE}`;

/** Ridge on diabetes: a larger alpha is a worse model (higher RMSE), with or without scaling. */
function ridge(alpha: number, policy: 'auto' | 'manual' = 'auto', pipeline = PIPELINE): SubmitJobInput {
  return {
    spec: {
      pipeline,
      task: 'regression',
      data: { source: 'sklearn', name: 'diabetes' },
      model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha } },
      metrics: { primary: 'rmse' },
      promotion: { policy },
    },
  };
}

async function key(stack: Stack, role: string): Promise<string> {
  const res = await client(stack).call('POST', '/v1/keys', { team: TEAM, role, name: role });
  if (res.status !== 201) throw new Error(`creating a key answered ${res.status}`);
  return (res.body as { key: string }).key;
}

describe('the seven-step CT pipeline through the API and the worker (real MLflow registry)', () => {
  let stack: Stack;
  let submitter: ReturnType<typeof client>;
  let approver: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack();
    submitter = client(stack, await key(stack, 'submitter'));
    approver = client(stack, await key(stack, 'approver'));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const run = async (submission: SubmitJobInput): Promise<Job> => {
    const job = await submitter.submit(submission);
    return submitter.untilState(job.id, ['succeeded', 'failed', 'cancelled']);
  };
  const model = async () => (await approver.call('GET', `/v1/models/${MODEL}`)).body as ModelView;

  it('promotes the first model, keeps a worse one out, and waits for an approval under manual', async () => {
    const first = await submitter.submit(ridge(200));
    const events = readEventStream(`${stack.apiUrl}/v1/jobs/${first.id}/events`, stack.adminKey);
    const champion = await submitter.untilState(first.id, ['succeeded', 'failed', 'cancelled']);
    expect(champion).toMatchObject({ state: 'succeeded', registeredModel: MODEL, modelVersion: '1' });
    expect(champion.decision).toMatchObject({ promoted: true, policy: 'auto', alias: 'champion' });
    const steps = (await events)
      .filter((event) => event.event.startsWith('step.'))
      .map((event) => `${event.event}:${(event.data as { step: string }).step}`);
    expect(steps).toEqual(
      PIPELINE_STEPS.flatMap((step) => [`step.started:${step}`, `step.finished:${step}`]),
    );

    const worse = await run(ridge(10_000));
    expect(worse).toMatchObject({ state: 'succeeded', modelVersion: '2' });
    expect(worse.decision).toMatchObject({ promoted: false, outcome: 'reject', alias: null });
    expect(worse.decision?.reason).toEqual(expect.stringContaining('rmse'));
    expect(worse.decision?.primary.challenger).toBeGreaterThan(worse.decision?.primary.champion ?? 0);
    expect((await model()).aliases).toEqual({ champion: '1' });

    const better = await run(ridge(50, 'manual'));
    expect(better).toMatchObject({ state: 'succeeded', modelVersion: '3' });
    expect(better.decision).toMatchObject({ outcome: 'promote', policy: 'manual', alias: 'challenger' });
    expect((await model()).aliases).toEqual({ champion: '1', challenger: '3' });

    // The submitter may not approve (an approver role is needed); the approver, who did not submit it, may.
    expect((await submitter.call('POST', `/v1/models/${MODEL}/versions/3/approve`)).status).toBe(403);
    const approved = await approver.call('POST', `/v1/models/${MODEL}/versions/3/approve`);
    expect(approved.status).toBe(200);
    const view = approved.body as ModelView;
    expect(view.aliases).toEqual({ champion: '3' });
    expect(view.versions.find((v) => v.version === '3')?.decisions.map((d) => d.action)).toEqual([
      'registered',
      'approved',
    ]);
    expect(view.versions.find((v) => v.version === '1')?.decisions.map((d) => d.action)).toEqual([
      'registered',
      'auto_promoted',
    ]);
    expect(view.versions.find((v) => v.version === '2')?.jobId).toBe(worse.id);
  });

  it('stops a dataset with an error-level finding as data_error, registering nothing', async () => {
    const pipeline = `${PIPELINE}-bad`;
    const submission = ridge(1, 'auto', pipeline);
    const spec = {
      ...submission.spec,
      validation: { min_rows: { rows: 100_000, severity: 'error' as const } },
    };
    const job = await run({ spec });
    expect(job).toMatchObject({ state: 'failed', failureReason: 'data_error', modelVersion: null });
    const res = await approver.call('GET', `/v1/models/${TEAM}.${pipeline}`);
    if (res.status === 200) expect((res.body as ModelView).versions).toEqual([]);
    else expect(res.status).toBe(404);
  });
});

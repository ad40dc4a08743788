import { randomUUID } from 'node:crypto';
import { loadConfig, workerEnvSchema } from '@ct/shared/runtime';
import { freePort } from '@ct/test-support';
import { InfrastructureError } from '../src/errors/infrastructure-error.js';
import { MlflowClient } from '../src/mlflow/mlflow-client.js';

describe('the MLflow client (real MLflow server)', () => {
  const { mlflowTrackingUri } = loadConfig(workerEnvSchema, process.env);
  const sut = new MlflowClient({ mlflowTrackingUri });
  const unique = () => `ct-test/${randomUUID()}`;
  const tags = {
    jobId: randomUUID(),
    team: 'team-a',
    pipeline: 'diabetes-lgbm',
    attempt: 2,
    trigger: 'manual',
    runName: 'diabetes-lgbm-test-2',
  };

  it('knows whether MLflow answered one of its calls lately (what the dependency gate takes for a probe)', async () => {
    const fresh = new MlflowClient({ mlflowTrackingUri });
    expect(fresh.answeredWithin(60_000)).toBe(false);
    expect(await fresh.getRun('0'.repeat(32))).toBeNull(); // refused: not an answer that counts
    expect(fresh.answeredWithin(60_000)).toBe(false);
    await fresh.getOrCreateExperiment(unique());
    expect(fresh.answeredWithin(60_000)).toBe(true);
    expect(fresh.answeredWithin(0)).toBe(false);
    const down = new MlflowClient({ mlflowTrackingUri: `http://127.0.0.1:${await freePort()}` });
    await expect(down.reachable(1_000)).resolves.toBe(false);
    expect(down.answeredWithin(60_000)).toBe(false);
  });

  it('creates an experiment once and finds it afterwards, even when several workers race', async () => {
    const name = unique();
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => sut.getOrCreateExperiment(name)));
    expect(new Set(ids).size).toBe(1);
    expect(await sut.getOrCreateExperiment(name)).toBe(ids[0]);
  });

  it('lists the RUNNING runs of ct experiments that carry a job id, with their tags and start time', async () => {
    const experimentId = await sut.getOrCreateExperiment(`ct/${randomUUID()}`);
    const { runId: open } = await sut.createRun(experimentId, tags);
    const { runId: ended } = await sut.createRun(experimentId, tags);
    await sut.updateRun(ended, 'FINISHED');
    const listed = (await sut.openJobRuns()).filter((run) => run.experimentId === experimentId);
    expect(listed.map((run) => run.runId)).toEqual([open]);
    expect(listed[0]?.tags).toMatchObject({ 'ct.job_id': tags.jobId, 'ct.attempt': '2' });
    expect(Date.now() - (listed[0]?.startTime ?? 0)).toBeLessThan(60_000);
  });

  it('restores an experiment that was deleted', async () => {
    const name = unique();
    const id = await sut.getOrCreateExperiment(name);
    await post('experiments/delete', { experiment_id: id });
    expect(await sut.getOrCreateExperiment(name)).toBe(id);
    await expect(sut.createRun(id, tags)).resolves.toMatchObject({
      experimentId: id,
      runId: expect.any(String),
    });
  });

  it('creates runs in an experiment it looked up once, and restores it if it was deleted since', async () => {
    const name = unique();
    const first = await sut.createRunIn(name, tags);
    // The requests go to the real server; only their paths are noted on the way.
    const realFetch = globalThis.fetch;
    const sent: string[] = [];
    globalThis.fetch = (input, init) => {
      sent.push(String(input).split('/mlflow/')[1] ?? String(input));
      return realFetch(input, init);
    };
    try {
      const second = await sut.createRunIn(name, tags);
      expect(second.experimentId).toBe(first.experimentId);
      expect(sent).toEqual(['runs/create']);
      await post('experiments/delete', { experiment_id: first.experimentId });
      const third = await sut.createRunIn(name, tags);
      expect(third.experimentId).toBe(first.experimentId);
      expect(await sut.getRun(third.runId)).toMatchObject({
        status: 'RUNNING',
        experimentId: first.experimentId,
      });
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('creates a running run with the job tags, says where its artifacts go, and ends it as KILLED', async () => {
    const experimentId = await sut.getOrCreateExperiment(unique());
    const { runId, artifactUri } = await sut.createRun(experimentId, tags);
    expect(artifactUri).toMatch(new RegExp(`/${experimentId}/${runId}/artifacts$`));
    expect(await sut.getRun(runId)).toMatchObject({
      runId,
      experimentId,
      status: 'RUNNING',
      endTime: null,
      tags: {
        'ct.job_id': tags.jobId,
        'ct.team': 'team-a',
        'ct.pipeline': 'diabetes-lgbm',
        'ct.attempt': '2',
        'ct.trigger': 'manual',
        'mlflow.runName': 'diabetes-lgbm-test-2',
      },
    });
    await sut.updateRun(runId, 'KILLED');
    const ended = await sut.getRun(runId);
    expect(ended).toMatchObject({ status: 'KILLED', endTime: expect.any(Number) });
  });

  it('answers null for a run MLflow does not have', async () => {
    expect(await sut.getRun('0123456789abcdef0123456789abcdef')).toBeNull();
  });

  it('turns an error answer into an InfrastructureError with the status and body', async () => {
    const error = await sut.updateRun('no-such-run', 'FAILED').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toMatch(
      /^mlflow: MLflow runs\/update answered HTTP 404: .*RESOURCE_DOES_NOT_EXIST/,
    );
  });

  it('turns an unreachable server into an InfrastructureError', async () => {
    const offline = new MlflowClient({ mlflowTrackingUri: `http://127.0.0.1:${await freePort()}` });
    const error = await offline.getOrCreateExperiment('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).dependency).toBe('mlflow');
    expect((error as Error).message).toContain('experiments/get-by-name failed');
  });

  async function post(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${mlflowTrackingUri}/api/2.0/mlflow/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }
});

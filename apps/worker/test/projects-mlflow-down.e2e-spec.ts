import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectArchivePath, trainingSpecSchema } from '@ct/shared';
import { projectHash, readProjectDir, writeProjectArchive } from '@ct/shared/project-archive';
import { putMlflowArtifact } from '@ct/shared/runtime';
import { type PrivateMlflow, startPrivateMlflow } from '@ct/test-support';
import type { INestApplicationContext } from '@nestjs/common';
import { InfrastructureError } from '../src/errors/infrastructure-error.js';
import { ProjectCache } from '../src/training/project-cache.js';
import { PIPELINE_PYTHON, REPO_ROOT } from './support/processes.js';
import { spec, TEAM, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 180_000;

describe('an uploaded version not yet in the worker cache while MLflow does not answer (a real private MLflow, stopped)', () => {
  let mlflow: PrivateMlflow;
  let fx: TrainingFixture;
  let worker: INestApplicationContext;
  let cacheDir = '';
  let hash = '';
  // Two names of the same files: each test fetches a version folder of its own.
  const name = `ridge-down-${randomUUID().slice(0, 8)}`;
  const direct = `${name}-direct`;

  const customSpec = (project: string) =>
    spec({
      pipeline: 'uploaded-ridge-down',
      model: { custom: { project, entrypoint: 'train_model:train', params: { alpha: 0.5 } } },
    });

  beforeAll(async () => {
    mlflow = await startPrivateMlflow(PIPELINE_PYTHON.replace(/python$/, 'mlflow'));
    cacheDir = await mkdtemp(join(tmpdir(), 'ct-project-cache-'));
    fx = await TrainingFixture.create({
      MLFLOW_TRACKING_URI: mlflow.url,
      WORKER_PROJECT_CACHE_DIR: cacheDir,
    });
    const files = await readProjectDir(`${REPO_ROOT}pipeline/examples/projects/ridge-custom`);
    hash = projectHash(files);
    // What the API's upload leaves in the artifact store, under both names.
    for (const project of [name, direct])
      await putMlflowArtifact(
        mlflow.url,
        projectArchivePath(TEAM, project, hash),
        writeProjectArchive(files),
      );
    worker = await fx.startWorker();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await fx?.close();
    await mlflow?.remove();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it(
    'the fetch fails as an MLflow outage (InfrastructureError, retried), not as a missing version; it works once MLflow is back',
    async () => {
      const sut = worker.get(ProjectCache);
      const said: string[] = [];
      const rootFor = () =>
        sut.rootFor(TEAM, trainingSpecSchema.parse(customSpec(`${direct}@${hash}`)), (m) => said.push(m));
      await mlflow.stop();
      const error = await rootFor().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect(error).toMatchObject({ dependency: 'mlflow' });
      expect((error as Error).message).toContain(`fetching project ${direct}@${hash.slice(0, 12)}`);
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect(said).toEqual([]);

      await mlflow.start();
      // The failed fetch is not remembered: the next asks MLflow again.
      await expect(rootFor()).resolves.toBe(join(cacheDir, hash));
      expect(said).toEqual([expect.stringContaining("downloaded into the worker's cache")]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'holds the job back (dependency_unavailable, no attempt used) while MLflow is down; then fetches the version and succeeds',
    async () => {
      await mlflow.stop();
      const submitted = await fx.submit({ spec: customSpec(`${name}@${hash}`), maxAttempts: 1 });
      const held = await fx.waitForState(
        submitted.id,
        (job) => job.waitReason === 'dependency_unavailable',
        'the job to be held back by the outage',
      );
      expect(held).toMatchObject({ state: 'queued', attempts: 0, failureReason: null });
      expect(await fx.jobs.attempts(submitted.id)).toEqual([]);

      await mlflow.start();
      const job = await fx.waitUntilFinished(submitted.id, 120_000);
      expect(job).toMatchObject({ state: 'succeeded', failureReason: null, attempts: 1, waitReason: null });
      expect((await fx.logs.read(job.id)).text).toContain(
        `project ${name}@${hash.slice(0, 12)} downloaded into the worker's cache`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});

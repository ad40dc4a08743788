import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { projectArchivePath, trainingSpecSchema } from '@ct/shared';
import { projectHash, readProjectDir, writeProjectArchive } from '@ct/shared/project-archive';
import { putMlflowArtifact } from '@ct/shared/runtime';
import type { INestApplicationContext } from '@nestjs/common';
import { WorkerMetrics } from '../src/observability/worker-metrics.js';
import { ProjectCache } from '../src/training/project-cache.js';
import { REPO_ROOT } from './support/processes.js';
import { spec, TEAM, TrainingFixture } from './support/training-fixture.js';

const TEST_TIMEOUT_MS = 240_000;

describe('uploaded projects run from the worker cache (real MLflow artifact store, Postgres, Redis, Python)', () => {
  let fx: TrainingFixture;
  // A name of its own, unlike the example's folder: the version's folder is named after the project.
  const name = `ridge-up-${randomUUID().slice(0, 8)}`;
  let hash = '';
  let archive: Buffer = Buffer.alloc(0);
  let worker: INestApplicationContext;

  const customSpec = (project: string) =>
    spec({
      pipeline: 'uploaded-ridge',
      model: { custom: { project, entrypoint: 'train_model:train', params: { alpha: 0.5 } } },
    });
  const submitCustom = (project: string) => fx.submit({ spec: customSpec(project) });

  beforeAll(async () => {
    fx = await TrainingFixture.create();
    const files = await readProjectDir(`${REPO_ROOT}pipeline/examples/projects/ridge-custom`);
    hash = projectHash(files);
    archive = writeProjectArchive(files);
    // What the API's upload leaves: the canonical archive, under the team, name and hash.
    await putMlflowArtifact(fx.config.mlflowTrackingUri, projectArchivePath(TEAM, name, hash), archive);
    worker = await fx.startWorker();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await fx?.close();
  });

  it(
    'fetches a version on its first use, verifies it, and runs the next job from the cache',
    async () => {
      const first = await fx.waitUntilFinished((await submitCustom(`${name}@${hash}`)).id, 150_000);
      expect(first).toMatchObject({ state: 'succeeded', failureReason: null });
      expect((await fx.logs.read(first.id)).text).toContain(
        `project ${name}@${hash.slice(0, 12)} downloaded into the worker's cache (1 files`,
      );
      const second = await fx.waitUntilFinished((await submitCustom(`${name}@${hash}`)).id, 150_000);
      expect(second.state).toBe('succeeded');
      expect((await fx.logs.read(second.id)).text).toContain(
        `project ${name}@${hash.slice(0, 12)} from the worker's cache`,
      );
      const metrics = await worker.get(WorkerMetrics).exposition();
      expect(metrics).toContain('ct_project_cache_total{outcome="miss"} 1');
      expect(metrics).toContain('ct_project_cache_total{outcome="hit"} 1');
      // The same files uploaded under another name: a folder of that name beside the first, same hash.
      const copy = `${name}-copy`;
      await putMlflowArtifact(fx.config.mlflowTrackingUri, projectArchivePath(TEAM, copy, hash), archive);
      const third = await fx.waitUntilFinished((await submitCustom(`${copy}@${hash}`)).id, 150_000);
      expect(third).toMatchObject({ state: 'succeeded', failureReason: null });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fetches the same files asked for at once under two names into a folder for each name',
    async () => {
      const sut = worker.get(ProjectCache);
      const names = [`${name}-twin-a`, `${name}-twin-b`];
      for (const twin of names)
        await putMlflowArtifact(fx.config.mlflowTrackingUri, projectArchivePath(TEAM, twin, hash), archive);
      const roots = await Promise.all(
        names.map((twin) =>
          sut.rootFor(TEAM, trainingSpecSchema.parse(customSpec(`${twin}@${hash}`)), () => {}),
        ),
      );
      const root = join(fx.config.projectCacheDir, hash);
      expect(roots).toEqual([root, root]);
      for (const twin of names) expect((await stat(join(root, twin))).isDirectory()).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses a job whose version is not in the artifact store: invalid_input, no attempt retried',
    async () => {
      const missing = 'e'.repeat(64);
      const job = await fx.waitUntilFinished((await submitCustom(`${name}@${missing}`)).id, 60_000);
      expect(job).toMatchObject({ state: 'failed', failureReason: 'invalid_input', attempts: 1 });
      expect(job.failureMessage).toContain(`project ${name}@${missing} is not in the artifact store`);
    },
    TEST_TIMEOUT_MS,
  );
});

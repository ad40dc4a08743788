import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { QueueName, workerRecordSchema, workerRegistryKeys } from '@ct/shared';
import { startChild, waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';
import { WorkerHeartbeat } from '../src/heartbeat/worker-heartbeat.js';
import { RunningJobs } from '../src/training/running-jobs.js';
import { TrainingFixture } from './support/training-fixture.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const HEARTBEAT_MS = 200;

describe('the worker heartbeat in the live-worker registry (real Redis and Postgres)', () => {
  let fixture: TrainingFixture;
  let redis: Redis;

  beforeAll(async () => {
    fixture = await TrainingFixture.create({
      WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS),
      CT_CODE_VERSION: 'abc123',
    });
    redis = new Redis(fixture.config.redisUrl);
  });

  afterAll(async () => {
    redis.disconnect();
    await fixture.close();
  });

  const prefix = () => fixture.config.bullmqPrefix;
  const readRecord = async (id: string) => {
    const value = await redis.get(workerRegistryKeys.worker(prefix(), id));
    return value === null ? null : workerRecordSchema.parse(JSON.parse(value));
  };

  it('publishes the worker under the BullMQ prefix, refreshes it with the running jobs, and leaves on shutdown', async () => {
    const app = await fixture.startWorker();
    const id = app.get(WorkerHeartbeat).id;
    const first = await waitFor('the worker record', async () => (await readRecord(id)) ?? undefined);
    expect(first).toMatchObject({
      id,
      host: hostname(),
      pid: process.pid,
      concurrency: 2,
      queues: [QueueName.Training, QueueName.Scoring],
      runningJobIds: [],
      version: 'abc123',
      heartbeatIntervalMs: HEARTBEAT_MS,
    });
    expect(await redis.zscore(workerRegistryKeys.index(prefix()), id)).not.toBeNull();
    // It expires unless refreshed: a worker that is killed drops out after a few missed beats.
    const ttl = await redis.pttl(workerRegistryKeys.worker(prefix(), id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3 * HEARTBEAT_MS);

    const running = app.get(RunningJobs, { strict: false });
    const control = running.register('7c0a4c9e-34c4-4a55-9a43-3d3e4bd32c11');
    const refreshed = await waitFor('a beat with the running job', async () => {
      const record = await readRecord(id);
      return record?.runningJobIds.length === 1 ? record : undefined;
    });
    expect(refreshed.runningJobIds).toEqual(['7c0a4c9e-34c4-4a55-9a43-3d3e4bd32c11']);
    expect(Date.parse(refreshed.lastHeartbeatAt)).toBeGreaterThan(Date.parse(first.lastHeartbeatAt));
    running.unregister('7c0a4c9e-34c4-4a55-9a43-3d3e4bd32c11', control);

    await fixture.stopWorker();
    expect(await readRecord(id)).toBeNull();
    expect(await redis.zscore(workerRegistryKeys.index(prefix()), id)).toBeNull();
  });

  it('publishes a job starting or ending at once, not on the next beat', async () => {
    // The periodic beat is a minute away: only the publish on change can show the job within the wait.
    const app = await fixture.startWorker({ heartbeatMs: 60_000 });
    const id = app.get(WorkerHeartbeat).id;
    const jobId = 'f3f1d7de-2a57-4c43-9a59-9b3c8e0d5a10';
    try {
      await waitFor('the worker record', async () => (await readRecord(id)) ?? undefined);
      const running = app.get(RunningJobs, { strict: false });
      const control = running.register(jobId);
      const busy = await waitFor('the record with the job', async () => {
        const record = await readRecord(id);
        return record?.runningJobIds.includes(jobId) ? record : undefined;
      });
      expect(busy.runningJobIds).toEqual([jobId]);
      running.unregister(jobId, control);
      await waitFor('the record without it', async () => (await readRecord(id))?.runningJobIds.length === 0);
    } finally {
      await fixture.stopWorker();
    }
  });

  it('drops out of the registry after its TTL when the worker process is killed', async () => {
    const sut = startChild(process.execPath, [MAIN], {
      ...process.env,
      REDIS_URL: fixture.config.redisUrl,
      DATABASE_URL: fixture.config.databaseUrl,
      BULLMQ_PREFIX: prefix(),
      WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS),
    });
    const ids = async () =>
      (await redis.zrange(workerRegistryKeys.index(prefix()), '0', '-1')).filter((id) =>
        id.startsWith(`${hostname()}:${sut.process.pid}:`),
      );
    try {
      const [id] = await waitFor(
        'the killed-to-be worker in the registry',
        async () => {
          const found = await ids();
          return found.length === 1 ? found : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(await readRecord(id ?? '')).toMatchObject({ pid: sut.process.pid, concurrency: 1 });
      await sut.stop('SIGKILL');
      await waitFor('the record to expire', async () => (await readRecord(id ?? '')) === null, {
        timeoutMs: 5_000,
      });
    } finally {
      await sut.stop('SIGKILL');
    }
  }, 30_000);
});

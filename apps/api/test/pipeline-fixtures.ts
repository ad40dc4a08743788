import {
  type CreatePipelineInput,
  dataArrivalResultSchema,
  type Pipeline,
  pipelineSchema,
  QueueName,
  type TriggerRecord,
  triggerPageSchema,
} from '@ct/shared';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bearer, submission, type TestApi } from './harness.js';

/** The body of `POST /v1/pipelines` for a pipeline `name` (no `name` field: it defaults to `spec.pipeline`). */
export function pipelineBody(
  name: string,
  overrides: Partial<CreatePipelineInput> = {},
): CreatePipelineInput {
  return { spec: submission({}, name).spec, ...overrides };
}

/** Registers a pipeline as `key`; expects 201 and returns the pipeline. */
export async function createPipeline(
  api: TestApi,
  key: string,
  body: CreatePipelineInput,
): Promise<Pipeline> {
  const res = await api.http().post('/v1/pipelines').set(bearer(key)).send(body);
  if (res.status !== 201) throw new Error(`creating a pipeline answered ${res.status}: ${res.text}`);
  return pipelineSchema.parse(res.body);
}

/** Reads a pipeline as `key`; expects 200. */
export async function getPipeline(api: TestApi, key: string, ref: string): Promise<Pipeline> {
  const res = await api.http().get(`/v1/pipelines/${ref}`).set(bearer(key));
  if (res.status !== 200) throw new Error(`reading pipeline ${ref} answered ${res.status}: ${res.text}`);
  return pipelineSchema.parse(res.body);
}

/** Every trigger record of the pipeline, newest first (one page of up to 200). */
export async function triggerRecords(api: TestApi, key: string, ref: string): Promise<TriggerRecord[]> {
  const res = await api.http().get(`/v1/pipelines/${ref}/triggers?limit=200`).set(bearer(key));
  if (res.status !== 200) throw new Error(`listing triggers of ${ref} answered ${res.status}: ${res.text}`);
  return triggerPageSchema.parse(res.body).items;
}

/** The names of every pipeline `key` can list, following the cursor. */
export async function pipelineNames(api: TestApi, key: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${cursor}` : '';
    const res = await api.http().get(`/v1/pipelines?limit=200${query}`).set(bearer(key)).expect(200);
    names.push(...res.body.items.map((pipeline: Pipeline) => pipeline.name));
    cursor = res.body.nextCursor;
  } while (cursor);
  return names;
}

/** The trigger queue of a test API's BullMQ prefix, seen from outside the API (as an operator would). */
export class TriggerQueueProbe {
  readonly queue: Queue;

  private constructor(
    private readonly connection: Redis,
    prefix: string,
  ) {
    this.queue = new Queue(QueueName.Triggers, { connection, prefix });
  }

  static open(api: TestApi): TriggerQueueProbe {
    return new TriggerQueueProbe(
      new Redis(api.config.redisUrl, { maxRetriesPerRequest: null }),
      api.config.bullmqPrefix,
    );
  }

  /** The job scheduler of the pipeline, or undefined. */
  scheduler(pipelineId: string) {
    return this.queue.getJobScheduler(`pipeline:${pipelineId}`);
  }

  /** The job scheduler of the pipeline's monitoring schedule, or undefined. */
  monitorScheduler(pipelineId: string) {
    return this.queue.getJobScheduler(`monitor:${pipelineId}`);
  }

  async schedulerIds(): Promise<string[]> {
    const schedulers = await this.queue.getJobSchedulers(0, -1, true);
    return schedulers.map((scheduler) => scheduler.id ?? scheduler.key).sort();
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** The calls the trigger tests make, as one team's `key` on `api`. */
export function pipelineCalls(api: TestApi, key: string) {
  return {
    /** A pipeline `name` with a new-data trigger of `minNewRows` (none without), and `extra` fields. */
    create: (name: string, minNewRows?: number, extra: Partial<CreatePipelineInput> = {}) =>
      createPipeline(
        api,
        key,
        pipelineBody(name, { ...(minNewRows ? { triggers: { newData: { minNewRows } } } : {}), ...extra }),
      ),
    /** Records `rows` that arrived (at `at`, or now); expects 202. */
    arrive: async (ref: string, rows: number, at?: Date) => {
      const res = await api
        .http()
        .post(`/v1/pipelines/${ref}/data-arrivals`)
        .set(bearer(key))
        .send({ rows, ...(at ? { at: at.toISOString() } : {}) })
        .expect(202);
      return dataArrivalResultSchema.parse(res.body);
    },
    run: (ref: string) => api.http().post(`/v1/pipelines/${ref}/runs`).set(bearer(key)),
    records: (ref: string) => triggerRecords(api, key, ref),
    /** The jobs of the pipeline `name`, newest first. */
    jobsOf: async (name: string) =>
      (await api.http().get(`/v1/jobs?pipeline=${name}`).set(bearer(key)).expect(200)).body.items as {
        id: string;
        state: string;
        triggerId: string;
      }[],
  };
}

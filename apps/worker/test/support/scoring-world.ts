import { randomUUID } from 'node:crypto';
import { type JobEntity, MonitoringStore, type PipelineEntity, PipelineStore, PredictionStore } from '@ct/db';
import {
  type MonitorTask,
  type ScoreTask,
  type SubmitJobInput,
  submitJobSchema,
  trainingJobOptions,
} from '@ct/shared';
import { runToEnd } from '@ct/test-support';
import { PIPELINE_PYTHON } from './processes.js';
import { TEAM, type TrainingFixture } from './training-fixture.js';

/** A stored prediction as the tests read it. */
export interface StoredPrediction {
  rowKey: string;
  modelVersion: string | null;
  runId: string | null;
  prediction: number;
  featuresHash: string | null;
  features: Record<string, unknown> | null;
  outcome: number | null;
}

// Prints the predictions of a registered version on the given rows, as `PREDICTIONS [..]` (MLflow logs around it).
const PREDICT = `import json, sys
import mlflow, pandas as pd
model = mlflow.pyfunc.load_model(sys.argv[1])
print("PREDICTIONS", json.dumps([float(v) for v in model.predict(pd.DataFrame(json.loads(sys.argv[2])))]))`;

/** Registered pipelines of the fixture's team and their score and monitor jobs, submitted as the API does. */
export class ScoringWorld {
  readonly pipelines: PipelineStore;
  readonly predictions: PredictionStore;
  readonly monitoring: MonitoringStore;

  constructor(private readonly fx: TrainingFixture) {
    this.pipelines = new PipelineStore(fx.dataSource);
    this.predictions = new PredictionStore(fx.dataSource);
    this.monitoring = new MonitoringStore(fx.dataSource);
  }

  /** A pipeline with a name of its own: its registered model is new to the shared MLflow. */
  async register(spec: (name: string) => SubmitJobInput['spec']): Promise<PipelineEntity> {
    const name = `scoring-${randomUUID().slice(0, 8)}`;
    const definition = {
      name,
      spec: submitJobSchema.parse({ spec: spec(name) }).spec,
      schedule: null,
      triggers: {},
      cooldownSeconds: 0,
      enabled: true,
    };
    const created = await this.pipelines.create(TEAM, definition, null);
    if (created === null) throw new Error(`pipeline ${name} exists`);
    return created.pipeline;
  }

  async score(pipeline: PipelineEntity, task: Partial<ScoreTask> = {}): Promise<JobEntity> {
    return this.submit(pipeline, {
      kind: 'score',
      model: 'champion',
      source: null,
      since: null,
      until: null,
      rows: null,
      keyColumn: 'id',
      mirrorToIris: false,
      ...task,
    });
  }

  async monitor(pipeline: PipelineEntity, task: Partial<MonitorTask> = {}): Promise<JobEntity> {
    const now = Date.now();
    return this.submit(pipeline, {
      kind: 'monitor',
      model: 'champion',
      windowStart: new Date(now - 3_600_000).toISOString(),
      windowEnd: new Date(now).toISOString(),
      ...task,
    });
  }

  async stored(jobId: string): Promise<StoredPrediction[]> {
    return this.fx.dataSource.query(
      `SELECT row_key AS "rowKey", model_version AS "modelVersion", run_id AS "runId", prediction,
              features_hash AS "featuresHash", features, outcome
       FROM predictions WHERE job_id = $1 ORDER BY row_key`,
      [jobId],
    );
  }

  /** What the registered version predicts for `rows`, computed apart from the platform. */
  async predict(modelUri: string, rows: Record<string, number>[]): Promise<number[]> {
    const env = { PATH: process.env.PATH, MLFLOW_TRACKING_URI: this.fx.config.mlflowTrackingUri };
    const { code, output } = await runToEnd(
      PIPELINE_PYTHON,
      ['-c', PREDICT, modelUri, JSON.stringify(rows)],
      env,
    );
    const line = /^PREDICTIONS (.*)$/m.exec(output);
    if (code !== 0 || !line?.[1]) throw new Error(`predicting with ${modelUri} failed (${code}): ${output}`);
    return JSON.parse(line[1]) as number[];
  }

  private async submit(pipeline: PipelineEntity, task: ScoreTask | MonitorTask): Promise<JobEntity> {
    const version = await this.pipelines.version(pipeline.id, pipeline.latestVersion);
    if (version === null) throw new Error(`pipeline ${pipeline.name} has no version`);
    const { job } = await this.fx.jobs.create(TEAM, {
      ...submitJobSchema.parse({ spec: version.spec }),
      kind: task.kind,
      task,
      pipelineId: pipeline.id,
      pipelineVersion: version.version,
    });
    await this.fx.scoringQueue.add(task.kind, { jobId: job.id, team: TEAM }, trainingJobOptions(job));
    return job;
  }
}

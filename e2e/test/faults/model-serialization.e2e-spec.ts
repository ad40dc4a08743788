import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, JobPosition, SubmitJobInput } from '@ct/shared';
import { client, type Stack } from '../stack.js';
import { startFaultStack } from './fault-stack.js';
import { printFigures } from './figures.js';
import { eventsOf, type StoredEvent } from './job-events.js';

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

/**
 * One registered model (`platform.<pipeline>`, a fresh pipeline name on the shared MLflow); rmse decides. Half
 * the rows are the test split, on which model validation scores the champion again.
 */
function spec(pipeline: string, params: Record<string, number>): SubmitJobInput['spec'] {
  return {
    pipeline,
    task: 'regression',
    data: { source: 'synthetic', rows: 60_000, features: 10, seed: 3 },
    model: { estimator: 'lightgbm.LGBMRegressor', params: { n_jobs: 1, ...params } },
    split: { test_size: 0.5, seed: 42 },
    metrics: { primary: 'rmse', direction: 'minimize' },
  };
}

/**
 * A poor champion that is slow to score (2000 barely-learning trees): each challenger's model validation then
 * lasts seconds, so two validations that are not kept apart do overlap.
 */
const CHAMPION_PARAMS = { n_estimators: 2000, learning_rate: 0.0001 };

interface Interval {
  start: number;
  end: number;
}

/** From the start of model validation to the end of promotion, in the job's last attempt. */
function decisionInterval(events: readonly StoredEvent[], attempt: number): Interval | null {
  const at = (type: string, step: string) =>
    events.find((e) => e.attempt === attempt && e.type === type && 'step' in e && e.step === step)?.at;
  const start = at('step.started', 'model_validation');
  const end = at('step.finished', 'promotion');
  return start && end ? { start: Date.parse(start), end: Date.parse(end) } : null;
}

interface ModelView {
  aliases: Record<string, string>;
  versions: { version: string; jobId: string | null }[];
}

describe('fault 7: two jobs of one registered model at once on two workers, both better than the champion', () => {
  let stack: Stack;
  const pipeline = `fault-serial-${randomUUID().slice(0, 8)}`;
  let champion: Job | undefined;
  let challengers: Job[] = [];
  let intervals: (Interval | null)[] = [];
  let model: ModelView | undefined;

  beforeAll(async () => {
    stack = await startFaultStack({ workers: 2 });
    const api = client(stack);
    const first = await api.submit({ spec: spec(pipeline, CHAMPION_PARAMS) });
    champion = await api.untilState(first.id, [...FINISHED], 120_000);
    // Together, so that both reach model validation at about the same time; the worse one (fewer effective
    // steps) trains a little longer, so where nothing keeps them apart its promotion comes last and wins.
    const submitted = await Promise.all([
      api.submit({ spec: spec(pipeline, { n_estimators: 300, learning_rate: 0.1 }) }),
      api.submit({ spec: spec(pipeline, { n_estimators: 400, learning_rate: 0.02 }) }),
    ]);
    // What an operator sees meanwhile: the position reasons of the two jobs.
    const reasonsSeen = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const job of submitted)
          reasonsSeen.add(
            ((await api.call('GET', `/v1/jobs/${job.id}/position`)).body as JobPosition).reason,
          );
        await sleep(250);
      }
    })();
    challengers = await Promise.all(submitted.map((job) => api.untilState(job.id, [...FINISHED], 180_000)));
    watching = false;
    await watch;
    intervals = await Promise.all(
      challengers.map(async (job) => decisionInterval(await eventsOf(stack, job.id), job.attempts)),
    );
    model = (await api.call('GET', `/v1/models/platform.${pipeline}`)).body as ModelView;
    const [a, b] = intervals;
    printFigures('7 model-serialization', {
      registeredModel: `platform.${pipeline}`,
      champion: { rmse: champion.metrics.rmse, decision: champion.decision?.reason },
      challengers: challengers.map((job, i) => ({
        id: job.id,
        state: job.state,
        rmse: job.metrics.rmse,
        version: job.modelVersion,
        decision: job.decision && {
          promoted: job.decision.promoted,
          reason: job.decision.reason,
          against: job.decision.champion_version,
          conflict: job.decision.alias_conflict ?? null,
        },
        validationToPromotionMs: intervals[i] ? (intervals[i]?.end ?? 0) - (intervals[i]?.start ?? 0) : null,
      })),
      positionReasons: [...reasonsSeen],
      overlapMs: a && b ? Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start)) : null,
      aliases: model.aliases,
    });
  }, 400_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('trains a champion and two challengers that both beat it', () => {
    expect(champion?.state).toBe('succeeded');
    expect(model?.versions.length).toBeGreaterThanOrEqual(3);
    for (const job of challengers) {
      expect(job.state).toBe('succeeded');
      expect(job.metrics.rmse).toBeLessThan(champion?.metrics.rmse ?? 0);
    }
  });

  it('never overlaps the two jobs’ model validation and promotion', () => {
    const [a, b] = intervals;
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    if (a && b) expect(a.end <= b.start || b.end <= a.start).toBe(true);
  });

  it('leaves the champion alias on the better challenger', () => {
    const better = [...challengers].sort((x, y) => (x.metrics.rmse ?? 0) - (y.metrics.rmse ?? 0))[0];
    const championVersion = model?.aliases.champion;
    expect(model?.versions.find((version) => version.version === championVersion)?.jobId).toBe(better?.id);
  });
});

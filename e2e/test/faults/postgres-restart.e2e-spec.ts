import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, PIPELINE_STEPS } from '@ct/shared';
import { type PrivatePostgres, startPrivatePostgres, waitFor } from '@ct/test-support';
import { killJobProcesses } from '../processes.js';
import { client, MEDIUM_SYNTHETIC, type Stack } from '../stack.js';
import { startFaultStack } from './fault-stack.js';
import { printFigures, since } from './figures.js';
import { eventLogProblems, eventsOf, type StoredEvent, statesOf, stepsOfAttempt } from './job-events.js';

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;
/** The second time, Postgres stays down this long: the evaluation, validation and promotion steps happen meanwhile. */
const DOWN_MS = 5_000;

describe('fault 6: Postgres restarted during a job: pg_ctl restart -m fast while training, then down 5 s after', () => {
  let postgres: PrivatePostgres;
  let stack: Stack;
  let jobId = '';
  let job: Job | undefined;
  let events: StoredEvent[] = [];
  const restarts: { during: string; tookMs: number }[] = [];

  /** The job's current step; undefined while the API cannot read Postgres. */
  const stepNow = async (): Promise<string | undefined> => {
    const res = await client(stack).call('GET', `/v1/jobs/${jobId}`);
    return res.status === 200 ? ((res.body as Job).progress.step ?? 'none') : undefined;
  };

  /** `pg_ctl restart -m fast`, or a stop, `downMs` without Postgres, and a start. */
  const restart = async (during: string, downMs = 0) => {
    const started = Date.now();
    if (downMs === 0) await postgres.restart();
    else {
      await postgres.stop();
      await sleep(downMs);
      await postgres.start();
    }
    restarts.push({ during, tookMs: since(started) });
  };

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    stack = await startFaultStack({ databaseServerUrl: postgres.url });
    const api = client(stack);
    jobId = (await api.submit({ spec: MEDIUM_SYNTHETIC, timeoutSeconds: 600, maxAttempts: 3 })).id;
    await waitFor('the job to be training', async () => (await stepNow()) === 'training', {
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    await restart('training');
    // Then down for a while as the steps after training write their events one after the other.
    const later = await waitFor(
      'a step after training',
      async () => {
        const step = await stepNow();
        return step !== undefined && step !== 'training' && step;
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    ).catch(() => undefined);
    if (later !== undefined) await restart(later, DOWN_MS);

    job = await api.untilState(jobId, [...FINISHED], 180_000).catch(() => api.get(jobId));
    events = await eventsOf(stack, jobId);
    printFigures('6 postgres-restart', {
      jobId,
      restarts,
      finalState: job.state,
      attempts: job.attempts,
      outcomes: job.history.map(
        (a) => `${a.attempt}:${a.outcome}/${a.failureReason ?? '-'}:${a.message ?? ''}`,
      ),
      states: statesOf(events),
      stepsOfLastAttempt: stepsOfAttempt(events, job.attempts),
      eventCounts: events.reduce<Record<string, number>>((counts, e) => {
        counts[e.type] = (counts[e.type] ?? 0) + 1;
        return counts;
      }, {}),
      eventLogProblems: eventLogProblems(events),
      workerLinesOnWrites: stack.workers
        .flatMap((worker) => worker.output().split('\n'))
        .filter((line) => /writes? .*(failed|refused)/.test(line))
        .slice(0, 5),
    });
  }, 420_000);

  afterAll(async () => {
    if (jobId) killJobProcesses(jobId);
    await stack?.stop();
    await postgres?.remove();
  });

  it('restarted Postgres while the job ran', () => {
    expect(restarts.map((r) => r.during)).toContain('training');
  });

  it('completes the job (on its first attempt or a retry)', () => {
    expect(job?.state).toBe('succeeded');
    expect(job?.history.at(-1)?.outcome).toBe('succeeded');
  });

  it('loses no event: every step of the succeeding attempt started and finished, one state event per move', () => {
    const attempt = job?.attempts ?? 0;
    expect(stepsOfAttempt(events, attempt)).toEqual(
      PIPELINE_STEPS.flatMap((step) => [`started ${step}`, `finished ok ${step}`]),
    );
    const metricKeys = events.flatMap((e) => (e.type === 'metric' && e.attempt === attempt ? [e.key] : []));
    expect(metricKeys.sort()).toEqual(Object.keys(job?.metrics ?? {}).sort());
    // queued, then running and an outcome per attempt (queued again between attempts).
    const states = statesOf(events);
    expect(states.filter((state) => state === 'running')).toHaveLength(job?.history.length ?? -1);
    expect(states.at(-1)).toBe('succeeded');
  });

  it('duplicates no event: a sane event log', () => {
    expect(eventLogProblems(events)).toEqual([]);
  });
});

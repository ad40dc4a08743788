import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, type JobPosition, QueueName } from '@ct/shared';
import { type PrivateRedis, startPrivateRedis, waitFor } from '@ct/test-support';
import { Redis } from 'ioredis';
import { client, DIABETES_LGBM, type Stack } from '../stack.js';
import { startFaultStack } from './fault-stack.js';
import { printFigures, since } from './figures.js';

const SUBMISSIONS = 300;
const PARALLEL = 4;
const KILL_AFTER_ACCEPTED = 100;
const DOWN_MS = 3_000;
/** After Redis is back, the reconciler (every 2 s here) has this long to queue what BullMQ lost. */
const REQUEUE_WITHIN_MS = 30_000;

interface Attempted {
  status: number | 'error';
  id?: string;
  code?: string;
  at: number;
}

describe('fault 4: Redis SIGKILLed (AOF, restarted 3 s later) under a loop of 300 submissions', () => {
  let redis: PrivateRedis;
  let stack: Stack;
  const attempts: Attempted[] = [];
  let accepted: string[] = [];
  const notInPostgres: string[] = [];
  let notInBullmq: string[] = [];
  let requeuedAfterMs: number | null = null;
  const operatorSees: Record<string, unknown> = {};

  /** Ids whose BullMQ job hash is missing from Redis (`keys`), or that the API does not place in the queue. */
  const missingFromBullmq = async (ids: readonly string[], only?: 'keys'): Promise<string[]> => {
    const api = client(stack);
    const redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const missing: string[] = [];
      for (const id of ids) {
        const key = `${stack.env.BULLMQ_PREFIX}:${QueueName.Training}:${id}`;
        if ((await redisClient.exists(key)) !== 1) missing.push(id);
        else if (only === undefined) {
          const position = (await api.call('GET', `/v1/jobs/${id}/position`)).body as JobPosition;
          if (!['waiting', 'prioritized'].includes(position.queueState ?? '')) missing.push(id);
        }
      }
      return missing;
    } finally {
      redisClient.disconnect();
    }
  };

  beforeAll(async () => {
    redis = await startPrivateRedis({ appendonly: true });
    // No worker: every accepted job must still be waiting in BullMQ at the end.
    stack = await startFaultStack({ redisUrl: redis.url, workers: 0 });
    const api = client(stack);
    const startedAt = Date.now();
    let next = 0;
    let killedAt = 0;
    let backAt = 0;
    const submitLoop = async () => {
      while (next < SUBMISSIONS) {
        next++;
        try {
          const res = await api.call('POST', '/v1/jobs', {
            spec: DIABETES_LGBM,
            tags: { fault: 'redis-sigkill' },
          });
          const body = res.body as Partial<Job> & { code?: string };
          attempts.push({ status: res.status, id: body.id, code: body.code, at: Date.now() });
        } catch {
          attempts.push({ status: 'error', at: Date.now() });
        }
      }
    };
    const chaos = (async () => {
      await waitFor(
        'submissions to be accepted',
        () => attempts.filter((a) => a.status === 201).length >= KILL_AFTER_ACCEPTED,
        {
          timeoutMs: 120_000,
          intervalMs: 20,
        },
      );
      killedAt = Date.now();
      await redis.kill();
      const [ready] = await Promise.all([api.call('GET', '/health/ready'), sleep(DOWN_MS)]);
      operatorSees.readyWhileDown = { status: ready.status, down: (ready.body as { down?: string[] }).down };
      await redis.restart();
      backAt = Date.now();
      // The last job accepted while Redis was down, as the API places it before the reconciler has run.
      const lost = attempts.findLast((a) => a.status === 201 && a.at > killedAt + 200)?.id;
      if (lost) {
        const first = await api.call('GET', `/v1/jobs/${lost}/position`);
        operatorSees.positionAtRestart = `${first.status} ${(first.body as { code?: string }).code ?? ''}`;
        const answered = await waitFor(
          'the API to place the job again',
          async () => {
            const res = await api.call('GET', `/v1/jobs/${lost}/position`);
            return res.status === 200 && (res.body as JobPosition);
          },
          { timeoutMs: 10_000, intervalMs: 100 },
        ).catch(() => null);
        operatorSees.positionOnceAnswered = answered && { reason: answered.reason, afterMs: since(backAt) };
      }
    })();
    await Promise.all([...Array.from({ length: PARALLEL }, submitLoop), chaos]);

    accepted = attempts.flatMap((a) => (a.status === 201 && a.id ? [a.id] : []));
    for (const id of accepted) {
      const res = await api.call('GET', `/v1/jobs/${id}`);
      if (res.status !== 200 || (res.body as Job).state !== 'queued') notInPostgres.push(id);
    }
    const loopEndedAt = Date.now();
    const missingAtEnd = await missingFromBullmq(accepted, 'keys');
    notInBullmq = await waitFor(
      'every accepted job to be in BullMQ',
      async () => {
        const missing = await missingFromBullmq(accepted);
        return missing.length === 0 ? missing : undefined;
      },
      { timeoutMs: REQUEUE_WITHIN_MS, intervalMs: 1_000 },
    )
      .then((none) => {
        requeuedAfterMs = since(backAt);
        return none;
      })
      .catch(() => missingFromBullmq(accepted));

    const statuses: Record<string, number> = {};
    for (const a of attempts) {
      const key = `${a.status}${a.code ? ` ${a.code}` : ''}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    printFigures('4 redis-sigkill', {
      submissions: attempts.length,
      loopMs: loopEndedAt - startedAt,
      killedAfterLoopStartMs: killedAt - startedAt,
      statuses,
      accepted: accepted.length,
      acceptedWhileDown: attempts.filter((a) => a.status === 201 && a.at >= killedAt && a.at <= backAt)
        .length,
      redisDownMs: backAt - killedAt,
      missingFromRedisWhenLoopEnded: missingAtEnd.length,
      acceptedBeforeKillMissingWhenLoopEnded: missingAtEnd.filter(
        (id) => (attempts.find((a) => a.id === id)?.at ?? 0) < killedAt,
      ).length,
      requeuedAfterRedisBackMs: requeuedAfterMs,
      ...operatorSees,
      notInPostgres: notInPostgres.length,
      notInBullmq: notInBullmq.length,
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await redis?.remove();
  });

  it('answers every submission: 201, or 503 dependency_unavailable', () => {
    expect(attempts).toHaveLength(SUBMISSIONS);
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED);
    const refused = attempts.filter((a) => a.status !== 201);
    expect(refused.filter((a) => a.status !== 503 || a.code !== 'dependency_unavailable')).toEqual([]);
  });

  it('has every accepted job in Postgres, queued', () => {
    expect(notInPostgres).toEqual([]);
  });

  it(`has every accepted job in BullMQ within ${REQUEUE_WITHIN_MS / 1000} s of Redis coming back`, () => {
    expect(notInBullmq).toEqual([]);
    expect(requeuedAfterMs).not.toBeNull();
  });
});

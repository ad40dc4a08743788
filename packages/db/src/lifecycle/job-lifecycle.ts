import { canTransition, type JobAttempt, type JobState } from '@ct/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { JobAttemptEntity } from '../entities/job-attempt.entity.js';
import { PendingRunEndEntity } from '../entities/pending-run-end.entity.js';
import { appendEvent, type StoredJobEvent } from '../store/event-store.js';
import type { JobPatch } from '../store/job-store.js';
import { lockTeamLoad } from '../store/team-quota.js';

/** How an attempt ended, written on its row in the same transaction as the job's move. */
export interface AttemptEnd {
  outcome: Exclude<JobAttempt['outcome'], 'running'>;
  failureReason: JobAttempt['failureReason'];
  message: string | null;
}

/** An MLflow run to end, stored as pending in the same transaction; the worker delivers it. */
export interface RunEnd {
  runId: string;
  status: PendingRunEndEntity['status'];
}

/** A start refused because the job's team already has its limit of running jobs; nothing was changed. */
export class TeamAtCapacity extends Error {
  constructor(
    readonly team: string,
    readonly running: number,
    readonly limit: number,
  ) {
    super(`team ${team} already has ${running} running jobs, its limit (TEAM_MAX_RUNNING_JOBS ${limit})`);
    this.name = 'TeamAtCapacity';
  }
}

/** One move of a job's state. */
export interface JobMove {
  to: JobState;
  /** The states the job may be in now; the state machine narrows them further. */
  from: readonly JobState[];
  /**
   * The fence: the job's `attempts` must still be this number. A worker passes the attempt it runs, so a
   * stale attempt (its job since retried or taken over) can move nothing.
   */
  attempt?: number;
  patch?: JobPatch;
  /** The message of the `state` event. */
  message?: string | null;
  /** The attempt to end with this move (the fenced one when `attempt` is given, else the job's latest). */
  endAttempt?: AttemptEnd;
  /** The move starts this attempt (`attempts` + 1): its row is created with the worker's name. */
  startAttempt?: { worker: string };
  /**
   * With a start: the team may have at most this many jobs running, this one included, counted under the
   * team's lock in the same transaction; when it has them already, the move throws {@link TeamAtCapacity}.
   */
  teamRunningLimit?: number;
  runEnd?: RunEnd;
}

/** A move that was applied: the job as it is now, the state it left, and its `state` event. */
export interface JobMoved {
  job: JobEntity;
  from: JobState;
  event: StoredJobEvent;
}

export type MoveListener = (moved: JobMoved) => void | Promise<void>;

/**
 * The one place that moves a job: a conditional update (allowed state, and the attempt fence) and the
 * `state` event, the attempt row and a pending MLflow run end in one transaction. What follows a commit
 * (waking event streams, metrics) runs through the listeners, never inside the transaction.
 */
export class JobLifecycle {
  private readonly listeners: MoveListener[] = [];

  constructor(private readonly dataSource: DataSource) {}

  /** Called after every committed move; a listener's failure is reported by `onListenerError`. */
  onMoved(listener: MoveListener): void {
    this.listeners.push(listener);
  }

  onListenerError: (error: unknown) => void = () => undefined;

  /** The job after the move, or null when it was not in an allowed state or the fence did not match. */
  async move(id: string, move: JobMove): Promise<JobMoved | null> {
    const allowed = move.from.filter((state) => canTransition(state, move.to));
    if (allowed.length === 0) return null;
    const moved = await this.dataSource.transaction((manager) => this.apply(manager, id, move, allowed));
    if (moved !== null) await this.announce(moved);
    return moved;
  }

  private async apply(
    manager: EntityManager,
    id: string,
    move: JobMove,
    allowed: readonly JobState[],
  ): Promise<JobMoved | null> {
    // Lock the row first: the state it leaves is then exactly the one this transaction saw.
    const fence = move.attempt === undefined ? '' : ' AND attempts = :attempt';
    const before = await manager
      .getRepository(JobEntity)
      .createQueryBuilder('job')
      .setLock('pessimistic_write')
      .where(`job.id = :id AND job.state IN (:...allowed)${fence.replace('attempts', 'job.attempts')}`, {
        id,
        allowed,
        attempt: move.attempt,
      })
      .getOne();
    if (before === null) return null;
    if (move.teamRunningLimit !== undefined && move.to === 'running') {
      const quota = { maxRunning: move.teamRunningLimit, maxQueued: 0 };
      const load = await lockTeamLoad(manager, before.team, quota);
      if (load.running >= move.teamRunningLimit)
        throw new TeamAtCapacity(before.team, load.running, move.teamRunningLimit);
    }
    const patch: JobPatch = { ...move.patch };
    if (move.startAttempt) patch.attempts = before.attempts + 1;
    await manager.update(JobEntity, { id }, { ...patch, state: move.to });
    const job = await manager.getRepository(JobEntity).findOneByOrFail({ id });
    if (move.endAttempt) {
      const { outcome, failureReason, message } = move.endAttempt;
      await manager.update(
        JobAttemptEntity,
        { jobId: id, attempt: before.attempts },
        { outcome, failureReason, message, finishedAt: new Date() },
      );
    }
    if (move.startAttempt)
      await manager.upsert(
        JobAttemptEntity,
        {
          jobId: id,
          attempt: job.attempts,
          worker: move.startAttempt.worker,
          outcome: 'running',
          startedAt: new Date(),
          heartbeatAt: new Date(),
          finishedAt: null,
          failureReason: null,
          message: null,
          mlflowRunId: null,
        },
        ['jobId', 'attempt'],
      );
    if (move.runEnd)
      await savePendingRunEnd(manager, { ...move.runEnd, jobId: id, attempt: before.attempts });
    const event = await appendEvent(manager, id, job.attempts, {
      type: 'state',
      state: job.state,
      failureReason: job.failureReason,
      message: move.message ?? null,
    });
    return { job, from: before.state, event };
  }

  private async announce(moved: JobMoved): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(moved);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}

/** Stores (or replaces) a run end to deliver. */
export async function savePendingRunEnd(
  manager: EntityManager,
  end: RunEnd & { jobId: string | null; attempt: number | null },
): Promise<void> {
  await manager.upsert(PendingRunEndEntity, { ...end, endTime: new Date(), tries: 0, lastError: null }, [
    'runId',
  ]);
}

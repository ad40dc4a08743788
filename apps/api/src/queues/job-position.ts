import type { JobWaitReason } from '@ct/db';
import { isFinished, type JobPosition, type JobState } from '@ct/shared';
import type { QueuedJobState } from './job-queues.js';
import type { WaitingPlace } from './queue-monitor.js';

/** What is known of a job and its queue when explaining why it waits. */
export interface PositionFacts {
  jobId: string;
  state: JobState;
  queueState: QueuedJobState;
  place: WaitingPlace | null;
  queuePaused: boolean;
  liveWorkers: number;
  /** Why a worker put the queued job back without using an attempt (the job row's), and since when. */
  waitReason: JobWaitReason | null;
  waitingSince: Date | null;
  /** Worker slots (concurrency) and how many of them hold a job, over the live workers. */
  slots: number;
  busySlots: number;
}

/** Why a job is where it is, first matching reason wins: the closed set of `WAIT_REASONS`. */
export function explainPosition(facts: PositionFacts): JobPosition {
  const { place } = facts;
  const base = {
    jobId: facts.jobId,
    state: facts.state,
    queueState: facts.queueState === 'missing' ? null : facts.queueState,
    position: place === null ? null : place.ahead + 1,
    waitingAhead: place?.ahead ?? null,
    queuePaused: facts.queuePaused,
    liveWorkers: facts.liveWorkers,
  };
  const { reason, message } = reasonOf(facts);
  return { ...base, reason, message };
}

function reasonOf(facts: PositionFacts): Pick<JobPosition, 'reason' | 'message'> {
  if (isFinished(facts.state)) return { reason: 'finished', message: `the job has ${facts.state}` };
  if (facts.state === 'running' || facts.queueState === 'active')
    return { reason: 'running', message: 'a worker is running the job' };
  const held = heldBack(facts);
  if (held !== null) return held;
  if (facts.queueState === 'delayed')
    return {
      reason: 'delayed_retry',
      message:
        'the last attempt failed for an infrastructure reason; the job waits out its backoff before the next',
    };
  if (facts.place === null)
    return {
      reason: 'not_in_queue',
      message: `the job is queued but the queue holds it as ${facts.queueState}; the reconciler will queue it again`,
    };
  const ahead = jobsAhead(facts.place.ahead);
  if (facts.queuePaused)
    return {
      reason: 'queue_paused',
      message: `the queue is paused: no job starts until it is resumed (${ahead})`,
    };
  if (facts.liveWorkers === 0)
    return {
      reason: 'no_live_worker',
      message: `no worker is running for this queue: the job starts when one does (${ahead})`,
    };
  return {
    reason: 'waiting_for_worker_slot',
    message: `${ahead}; ${facts.busySlots} of ${facts.slots} worker slots are busy`,
  };
}

const HOLDING_STATES: readonly QueuedJobState[] = ['waiting', 'prioritized', 'delayed'];

/** A queued job a worker put back without using an attempt, while BullMQ still holds it for later. */
function heldBack(facts: PositionFacts): Pick<JobPosition, 'reason' | 'message'> | null {
  const { waitReason } = facts;
  if (facts.state !== 'queued' || waitReason === null || !HOLDING_STATES.includes(facts.queueState))
    return null;
  const since = facts.waitingSince === null ? '' : ` (since ${facts.waitingSince.toISOString()})`;
  const then = facts.place === null ? '' : `; then ${jobsAhead(facts.place.ahead)}`;
  switch (waitReason) {
    case 'dependency_unavailable':
      return {
        reason: waitReason,
        message: `a dependency (MLflow or Postgres) was unreachable when a worker took the job: it waits for it to come back without using an attempt${since}${then}`,
      };
    case 'waiting_for_model':
      return {
        reason: waitReason,
        message: `another job of the same registered model is validating or promoting: this one waits its turn without using an attempt${since}${then}`,
      };
    case 'team_quota':
      return {
        reason: waitReason,
        message: `the team had its limit of running jobs (TEAM_MAX_RUNNING_JOBS) when a worker took the job: it waits for one to end without using an attempt${since}${then}`,
      };
  }
}

function jobsAhead(count: number): string {
  if (count === 0) return 'it is next in line';
  return count === 1 ? '1 job is ahead of it' : `${count} jobs are ahead of it`;
}

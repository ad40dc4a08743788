import type { JobState, ListJobsQuery } from '@ct/shared';
import { type DataSource, In } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { JobAttemptEntity } from '../entities/job-attempt.entity.js';
import { hydrate } from './hydrate.js';
import { listJobs } from './job-listing.js';
import { FIRST_EVENT, insertWithinQuota, type JobSubmission, newJobRow } from './job-submission.js';
import { type TeamLoad, type TeamQuota, VACUUM_TEAM_LOAD_SQL } from './team-quota.js';
import { isUuid } from './uuid.js';

/** The fields a state change may also set. */
export type JobPatch = Partial<
  Pick<
    JobEntity,
    | 'attempts'
    | 'progressStep'
    | 'progressFraction'
    | 'mlflowExperimentId'
    | 'mlflowRunId'
    | 'metrics'
    | 'modelUri'
    | 'modelVersion'
    | 'registeredModel'
    | 'decision'
    | 'failureReason'
    | 'failureMessage'
    | 'cancelRequestedAt'
    | 'startedAt'
    | 'finishedAt'
    | 'uncountedAttempts'
    | 'waitReason'
    | 'waitingSince'
  >
>;

/** Reads job rows and changes what is not their state; states move only through {@link JobLifecycle}. */
export class JobStore {
  constructor(private readonly dataSource: DataSource) {}

  private get jobs() {
    return this.dataSource.getRepository(JobEntity);
  }

  /**
   * Stores a new queued job. With an idempotency key already used by the team, returns that team's first
   * job instead and `created: false`.
   */
  async create(
    team: string,
    submission: JobSubmission,
    submittedBy: string | null = null,
  ): Promise<{ job: JobEntity; created: boolean }> {
    const row = this.jobs.create(newJobRow(team, submission, submittedBy));
    const inserted = await this.jobs
      .createQueryBuilder()
      .insert()
      .into(JobEntity)
      .values(row)
      .orIgnore()
      .returning('id')
      .execute();
    if (inserted.raw.length > 0)
      return { job: await this.jobs.findOneByOrFail({ id: row.id }), created: true };
    return this.existing(team, submission);
  }

  /**
   * {@link create}, within the team's quota, with the job's first `state` event in the same statement:
   * counted under the team's lock, so concurrent submissions cannot pass it together. A reused idempotency
   * key still answers its first job, however full the team is.
   */
  async createWithinQuota(
    team: string,
    submission: JobSubmission,
    submittedBy: string | null,
    quota: TeamQuota,
  ): Promise<{ job: JobEntity; created: boolean } | { refused: TeamLoad }> {
    const row = newJobRow(team, submission, submittedBy);
    const outcome = await insertWithinQuota(this.dataSource.manager, row, quota, FIRST_EVENT);
    if ('job' in outcome || 'refused' in outcome) return outcome;
    // A job with the key exists (found under the lock, or inserted by someone who did not take it).
    return this.existing(team, submission);
  }

  /** The team's job with the submission's idempotency key, which an ignored insert says exists. */
  private async existing(
    team: string,
    submission: JobSubmission,
  ): Promise<{ job: JobEntity; created: false }> {
    const job = await this.jobs.findOneBy({ team, idempotencyKey: submission.idempotencyKey ?? undefined });
    if (!job) throw new Error(`job insert for team ${team} was ignored but no job has its idempotency key`);
    return { job, created: false };
  }

  /** A job by id; with a team, only that team's job (null otherwise). */
  async get(id: string, team: string | null = null): Promise<JobEntity | null> {
    return this.jobs.findOneBy(team === null ? { id } : { id, team });
  }

  /** The jobs with these ids that exist, in any team. */
  async getMany(ids: readonly string[]): Promise<JobEntity[]> {
    const valid = ids.filter(isUuid);
    return valid.length === 0 ? [] : this.jobs.findBy({ id: In(valid) });
  }

  /** Newest first; the cursor is opaque to clients. */
  async list(
    team: string | null,
    query: ListJobsQuery,
  ): Promise<{ items: JobEntity[]; nextCursor: string | null }> {
    return listJobs(this.dataSource, team, query);
  }

  /** Clears the dead rows of the teams' load deltas (see {@link VACUUM_TEAM_LOAD_SQL}); run it every second or so. */
  async vacuumTeamLoad(): Promise<void> {
    await this.dataSource.query(VACUUM_TEAM_LOAD_SQL);
  }

  /** Changes fields that are not the state, on any job (the API's own bookkeeping). */
  async patch(id: string, patch: JobPatch): Promise<void> {
    await this.jobs.update({ id }, patch);
  }

  /**
   * Changes fields of a running job from its attempt `attempt` (progress, MLflow ids); false when that
   * attempt is no longer the job's running one: a stale attempt's write is refused.
   */
  async patchAttempt(id: string, attempt: number, patch: JobPatch): Promise<boolean> {
    const result = await this.jobs
      .createQueryBuilder()
      .update(JobEntity)
      .set(patch)
      .where("id = :id AND attempts = :attempt AND state = 'running'", { id, attempt })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Changes fields of a job only while it is queued (why it waits); false when it is not queued. */
  async patchQueued(id: string, patch: JobPatch): Promise<boolean> {
    const result = await this.jobs
      .createQueryBuilder()
      .update(JobEntity)
      .set(patch)
      .where("id = :id AND state = 'queued'", { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Renews the attempt's heartbeat; false when it is not the job's running attempt any more (its worker
   * must stop the child at once).
   */
  async heartbeat(id: string, attempt: number, mlflowRunId?: string): Promise<boolean> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count].
    const rows: unknown[] = await this.dataSource.query(
      `WITH renewed AS (
         UPDATE job_attempts SET heartbeat_at = now()${mlflowRunId === undefined ? '' : ', mlflow_run_id = $3'}
         WHERE job_id = $1 AND attempt = $2 AND finished_at IS NULL
           AND EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND attempts = $2 AND state = 'running')
         RETURNING id)
       SELECT id FROM renewed`,
      mlflowRunId === undefined ? [id, attempt] : [id, attempt, mlflowRunId],
    );
    return rows.length > 0;
  }

  /**
   * Records a cancel request for the job exactly as the caller saw it (`state`, `attempts`), unless one is
   * recorded already; false when the job has moved on since: a request meant for an attempt that ended never
   * lands on the next one.
   */
  async requestCancel(id: string, seen: { state: 'queued' | 'running'; attempts: number }): Promise<boolean> {
    const result = await this.jobs
      .createQueryBuilder()
      .update(JobEntity)
      .set({ cancelRequestedAt: () => 'now()' })
      .where('id = :id AND state = :state AND attempts = :attempts AND cancel_requested_at IS NULL', {
        id,
        ...seen,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * How long each job's latest attempt has been silent, in ms by Postgres' clock (the one heartbeats are
   * written with): since its last heartbeat, else its start, else the job's last change when it has no row.
   */
  async attemptSilences(jobIds: readonly string[]): Promise<Map<string, number>> {
    const valid = jobIds.filter(isUuid);
    if (valid.length === 0) return new Map();
    const rows: { id: string; silent_ms: string }[] = await this.dataSource.query(
      `SELECT job.id, (extract(epoch FROM now() - COALESCE(a.heartbeat_at, a.started_at, job.updated_at))
                       * 1000)::bigint AS silent_ms
       FROM jobs job
       LEFT JOIN job_attempts a ON a.job_id = job.id AND a.attempt = job.attempts
       WHERE job.id = ANY($1::uuid[])`,
      [valid],
    );
    return new Map(rows.map((row) => [row.id, Number(row.silent_ms)]));
  }

  async attempt(jobId: string, attempt: number): Promise<JobAttemptEntity | null> {
    return this.dataSource.getRepository(JobAttemptEntity).findOneBy({ jobId, attempt });
  }

  async attempts(jobId: string): Promise<JobAttemptEntity[]> {
    return this.dataSource
      .getRepository(JobAttemptEntity)
      .find({ where: { jobId }, order: { attempt: 'ASC' } });
  }

  /** The attempts of several jobs at once (for a page of jobs), each job's oldest first. */
  async attemptsOfJobs(
    jobs: readonly Pick<JobEntity, 'id' | 'attempts'>[],
  ): Promise<Map<string, JobAttemptEntity[]>> {
    const byJob = new Map<string, JobAttemptEntity[]>(jobs.map((job) => [job.id, []]));
    // An attempt's row is made in the transaction that counts it in `attempts`: a job read with none has none
    // to look for (a page of waiting jobs needs no query).
    const started = jobs.filter((job) => job.attempts > 0).map((job) => job.id);
    if (started.length === 0) return byJob;
    const raw: Record<string, unknown>[] = await this.dataSource.query(
      'SELECT * FROM job_attempts WHERE job_id = ANY($1::uuid[]) ORDER BY job_id, attempt',
      [started],
    );
    for (const row of raw) {
      const attempt = hydrate(this.dataSource, JobAttemptEntity, row);
      byJob.get(attempt.jobId)?.push(attempt);
    }
    return byJob;
  }

  /**
   * A page of jobs in `state` last changed before `before`, by id after `afterId`: the reconciler walks
   * them all, however many there are.
   */
  async pageInState(
    state: JobState,
    before: Date,
    afterId: string | null,
    limit = 500,
  ): Promise<JobEntity[]> {
    const qb = this.jobs
      .createQueryBuilder('job')
      .where('job.state = :state AND job.updated_at < :before', { state, before });
    if (afterId !== null) qb.andWhere('job.id > :afterId', { afterId });
    return qb.orderBy('job.id', 'ASC').limit(limit).getMany();
  }
}

import { randomUUID } from 'node:crypto';
import {
  assertTransition,
  canTransition,
  JOB_STATES,
  type JobAttempt,
  type JobState,
  type ListJobsQuery,
  type SubmitJob,
} from '@ct/shared';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { JobEntity } from '../entities/job.entity.js';
import { JobAttemptEntity } from '../entities/job-attempt.entity.js';
import { decodeCursor, encodeCursor } from './cursor.js';

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
  >
>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads and changes job rows; every state change goes through the shared state machine, atomically. */
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
    submission: SubmitJob,
    submittedBy: string | null = null,
  ): Promise<{ job: JobEntity; created: boolean }> {
    const row = this.jobs.create({
      id: randomUUID(),
      team,
      submittedBy,
      pipeline: submission.spec.pipeline,
      state: 'queued',
      trigger: submission.trigger,
      spec: submission.spec,
      params: submission.params ?? {},
      priority: submission.priority,
      timeoutSeconds: submission.timeoutSeconds,
      maxAttempts: submission.maxAttempts,
      idempotencyKey: submission.idempotencyKey ?? null,
      tags: submission.tags,
    });
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
    const existing = await this.jobs.findOneBy({
      team,
      idempotencyKey: submission.idempotencyKey ?? undefined,
    });
    if (!existing)
      throw new Error(`job insert for team ${team} was ignored but no job has its idempotency key`);
    return { job: existing, created: false };
  }

  /** A job by id; with a team, only that team's job (null otherwise). */
  async get(id: string, team: string | null = null): Promise<JobEntity | null> {
    return this.jobs.findOneBy(team === null ? { id } : { id, team });
  }

  /** The jobs with these ids that exist, in any team. */
  async getMany(ids: readonly string[]): Promise<JobEntity[]> {
    const valid = ids.filter((id) => UUID.test(id));
    return valid.length === 0 ? [] : this.jobs.findBy({ id: In(valid) });
  }

  /** Newest first; the cursor is opaque to clients. */
  async list(
    team: string | null,
    query: ListJobsQuery,
  ): Promise<{ items: JobEntity[]; nextCursor: string | null }> {
    const qb = this.jobs.createQueryBuilder('job');
    if (team !== null) qb.andWhere('job.team = :team', { team });
    if (query.state) qb.andWhere('job.state = :state', { state: query.state });
    if (query.pipeline) qb.andWhere('job.pipeline = :pipeline', { pipeline: query.pipeline });
    if (query.createdAfter) qb.andWhere('job.created_at >= :after', { after: new Date(query.createdAfter) });
    if (query.createdBefore)
      qb.andWhere('job.created_at < :before', { before: new Date(query.createdBefore) });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      qb.andWhere('(job.created_at, job.id) < (:createdAt, :id)', {
        createdAt: cursor.createdAt,
        id: cursor.id,
      });
    }
    const rows = await qb
      .orderBy('job.created_at', 'DESC')
      .addOrderBy('job.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  /**
   * Moves a job to `to` if the state machine allows it from the job's current state (and, when given,
   * the current state is one of `from`). Returns the updated row, or null when the job was not in an
   * allowed state: the caller lost a race and should re-read.
   */
  async transition(
    id: string,
    to: JobState,
    patch: JobPatch = {},
    from: readonly JobState[] = JOB_STATES,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<JobEntity | null> {
    const allowed = from.filter((state) => canTransition(state, to));
    if (allowed.length === 0) {
      assertTransition(from[0] ?? to, to);
      return null;
    }
    const result = await manager
      .createQueryBuilder()
      .update(JobEntity)
      .set({ ...patch, state: to })
      .where('id = :id AND state IN (:...allowed)', { id, allowed })
      .returning('*')
      .execute();
    if (result.affected === 0) return null;
    return manager.getRepository(JobEntity).findOneByOrFail({ id });
  }

  /** Changes fields that are not the state (progress, MLflow ids, metrics). */
  async patch(id: string, patch: JobPatch): Promise<void> {
    await this.jobs.update({ id }, patch);
  }

  async attempts(jobId: string): Promise<JobAttemptEntity[]> {
    return this.dataSource
      .getRepository(JobAttemptEntity)
      .find({ where: { jobId }, order: { attempt: 'ASC' } });
  }

  /** The attempts of several jobs at once (for a page of jobs), each job's oldest first. */
  async attemptsOfJobs(jobIds: readonly string[]): Promise<Map<string, JobAttemptEntity[]>> {
    const byJob = new Map<string, JobAttemptEntity[]>(jobIds.map((id) => [id, []]));
    if (jobIds.length === 0) return byJob;
    const rows = await this.dataSource
      .getRepository(JobAttemptEntity)
      .find({ where: { jobId: In([...jobIds]) }, order: { jobId: 'ASC', attempt: 'ASC' } });
    for (const row of rows) byJob.get(row.jobId)?.push(row);
    return byJob;
  }

  async startAttempt(
    jobId: string,
    attempt: number,
    worker: string,
    mlflowRunId: string | null,
  ): Promise<void> {
    await this.dataSource
      .getRepository(JobAttemptEntity)
      .upsert({ jobId, attempt, worker, mlflowRunId, outcome: 'running', startedAt: new Date() }, [
        'jobId',
        'attempt',
      ]);
  }

  async finishAttempt(
    jobId: string,
    attempt: number,
    outcome: Exclude<JobAttempt['outcome'], 'running'>,
    details: Pick<JobAttempt, 'failureReason' | 'message'> & { mlflowRunId?: string | null },
  ): Promise<void> {
    await this.dataSource.getRepository(JobAttemptEntity).update(
      { jobId, attempt },
      {
        outcome,
        failureReason: details.failureReason,
        message: details.message,
        finishedAt: new Date(),
        ...(details.mlflowRunId !== undefined ? { mlflowRunId: details.mlflowRunId } : {}),
      },
    );
  }

  /** Queued jobs created before `before`: the reconciler checks that each is in Redis. */
  async queuedBefore(before: Date, limit = 500): Promise<JobEntity[]> {
    return this.jobs
      .createQueryBuilder('job')
      .where('job.state = :state AND job.updated_at < :before', { state: 'queued', before })
      .orderBy('job.created_at', 'ASC')
      .limit(limit)
      .getMany();
  }
}

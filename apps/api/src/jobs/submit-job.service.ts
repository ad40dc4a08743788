import { type JobEntity, JobStore, type JobSubmission, quotaMessage } from '@ct/db';
import type { Job, SubmitJob } from '@ct/shared';
import type { AuditFields, AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import type { Principal } from '../auth/principal.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { QuotaExceededError } from '../errors/quota-error.js';
import { ProjectsService } from '../projects/projects.service.js';
import { AcceptedJobs } from './accepted-jobs.js';
import { JobQueriesService } from './job-queries.service.js';
import { toJobDto } from './jobs.mapper.js';

/** `POST /v1/jobs`, and the jobs that pipelines' scoring and monitoring requests make. */
@Injectable()
export class SubmitJobService {
  constructor(
    private readonly jobs: JobStore,
    private readonly accepted: AcceptedJobs,
    private readonly queries: JobQueriesService,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly projects: ProjectsService,
  ) {}

  /**
   * Stores the job, then queues it. An idempotency key the team already used returns that first job
   * (`created: false`) and queues nothing.
   */
  async submit(principal: Principal, submission: SubmitJob): Promise<{ job: Job; created: boolean }> {
    const { job, created } = await this.create(
      { team: principal.team, submittedBy: principal.keyId, actor: principal.keyId },
      submission,
    );
    // A job just created has no attempts yet: nothing more to read for its answer.
    return { job: created ? toJobDto(job, []) : await this.queries.toDto(job), created };
  }

  /**
   * Stores a job of any kind within the team's quota, with its first `state` event, then audits and queues it
   * (`AcceptedJobs`). A reused idempotency key returns the first job (`created: false`). No event stream is
   * woken: none can follow a job whose id nobody has been told yet.
   * @throws QuotaExceededError when the team is over its quota (audited as `job.refused`).
   */
  async create(
    by: { team: string; submittedBy: string | null; actor: string },
    submission: JobSubmission,
    extra: AuditFields = {},
  ): Promise<{ job: JobEntity; created: boolean }> {
    const quota = this.config.teamQuota;
    // A training job runs its project's version as of now, however later uploads move `<name>`.
    const pinned =
      (submission.kind ?? 'train') === 'train'
        ? { ...submission, spec: await this.projects.pin(by.team, submission.spec) }
        : submission;
    const stored = await this.jobs.createWithinQuota(by.team, pinned, by.submittedBy, quota);
    if ('refused' in stored) {
      this.audit.warning('job.refused', {
        team: by.team,
        pipeline: submission.spec.pipeline,
        actor: by.actor,
        reason: 'quota',
        ...extra,
      });
      const { running, queued, limit } = stored.refused;
      throw new QuotaExceededError(quotaMessage(by.team, stored.refused, quota), { running, queued, limit });
    }
    if (stored.created) await this.accepted.dispatch(stored.job, by.actor, extra);
    return stored;
  }
}

import type { JobAttemptEntity, JobEntity } from '@ct/db';
import { type Job, type JobAttempt, jobTaskSchema } from '@ct/shared';

/** A job row and its attempts, as the API shows them (the shared `Job`). */
export function toJobDto(job: JobEntity, attempts: readonly JobAttemptEntity[]): Job {
  return {
    id: job.id,
    team: job.team,
    pipeline: job.pipeline,
    kind: job.kind,
    state: job.state,
    trigger: job.trigger,
    spec: job.spec,
    // Parsed: a task stored before a field was added shows that field's default.
    task: job.task === null ? null : (jobTaskSchema.safeParse(job.task).data ?? job.task),
    priority: job.priority,
    timeoutSeconds: job.timeoutSeconds,
    maxAttempts: job.maxAttempts,
    attempts: job.attempts,
    idempotencyKey: job.idempotencyKey,
    tags: job.tags,
    progress: { step: job.progressStep, fraction: job.progressFraction },
    mlflowExperimentId: job.mlflowExperimentId,
    mlflowRunId: job.mlflowRunId,
    metrics: job.metrics,
    modelUri: job.modelUri,
    registeredModel: job.registeredModel,
    modelVersion: job.modelVersion,
    decision: job.decision,
    submittedBy: job.submittedBy,
    failureReason: job.failureReason,
    failureMessage: job.failureMessage,
    history: attempts.map(toAttemptDto),
    pipelineId: job.pipelineId ?? null,
    pipelineVersion: job.pipelineVersion ?? null,
    triggerId: job.triggerId ?? null,
    dataHighWater: iso(job.dataHighWater ?? null),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}

function toAttemptDto(attempt: JobAttemptEntity): JobAttempt {
  return {
    attempt: attempt.attempt,
    mlflowRunId: attempt.mlflowRunId,
    startedAt: attempt.startedAt.toISOString(),
    finishedAt: iso(attempt.finishedAt),
    outcome: attempt.outcome,
    failureReason: attempt.failureReason,
    message: attempt.message,
    worker: attempt.worker,
  };
}

function iso(date: Date | null): string | null {
  return date?.toISOString() ?? null;
}

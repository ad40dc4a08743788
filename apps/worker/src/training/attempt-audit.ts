import type { FailureReason, PipelineEvent } from '@ct/shared';
import type { AuditFields, AuditFieldValue, AuditLogger } from '@ct/shared/audit';
import type { Success } from './training-outcome.js';

/** What every audit event of a job names. */
export interface AuditedJob {
  id: string;
  team: string;
  pipeline: string;
}

/** How a job's attempt ended for the audit trail: its state afterwards (`queued`: it will run again). */
export type AuditedEnd = 'succeeded' | 'failed' | 'cancelled' | 'queued';

// A step's figures are the metrics it reported; the cap keeps one audit line short whatever a pipeline logs.
const MAX_STEP_FIGURES = 20;

/**
 * The audit trail of one attempt of a job, written through the worker's one audit log as things happen, so
 * the trail's order is the order of events. The pipeline's own events (steps, validation findings) come
 * through here too: one client, one path. Never throws and never waits: the audit log buffers.
 */
export class AttemptAudit {
  private figures: Record<string, number> = {};
  private failedStep: string | null = null;

  constructor(
    private readonly audit: AuditLogger,
    private readonly job: AuditedJob,
    private readonly attempt: number,
  ) {}

  started(worker: string, maxAttempts: number): void {
    this.audit.info('job.started', this.fields({ maxAttempts, worker }));
  }

  /** One event of the pipeline process; those that are not part of the audit trail are ignored. */
  pipelineEvent(event: PipelineEvent): void {
    switch (event.type) {
      case 'step.started':
        this.figures = {};
        this.audit.info('pipeline.step.started', this.fields({ step: event.step }));
        return;
      case 'metric':
        if (Object.keys(this.figures).length < MAX_STEP_FIGURES) this.figures[event.key] = event.value;
        return;
      case 'step.finished': {
        const { step, status } = event;
        const metrics = Object.entries(this.figures).map(([key, value]) => [`metric.${key}`, value]);
        const fields = this.fields({
          step,
          status,
          durationMs: event.duration_ms,
          reason: event.reason,
          ...Object.fromEntries(metrics),
        });
        this.figures = {};
        if (status === 'ok') this.audit.info('pipeline.step.finished', fields);
        else {
          this.failedStep = step;
          // A warning: the job's end (job.failed, severe) carries the verdict and its reason.
          this.audit.warning('pipeline.step.finished', fields);
        }
        return;
      }
      case 'validation.finding': {
        const { rule, severity, message, columns, figures } = event;
        const named = columns.length > 0 ? columns.join(',') : null;
        const fields = this.fields({ rule, columns: named, message, ...flatFigures(figures) });
        if (severity === 'error') this.audit.severe('data.validation.error', fields);
        else this.audit.warning('data.validation.warning', fields);
        return;
      }
      case 'progress':
      case 'log':
      case 'result':
        return;
    }
  }

  /** The registry's part of a success: the challenger judged against the champion, registered, promoted. */
  succeeded(success: Success): void {
    const { decision, registeredModel: model, modelVersion: version } = success;
    if (decision !== null) {
      const { primary } = decision;
      this.audit.info(
        'model.validation.decision',
        this.fields({
          outcome: decision.outcome,
          policy: decision.policy,
          metric: primary.metric,
          direction: primary.direction,
          challenger: primary.challenger,
          champion: primary.champion,
          championVersion: decision.champion_version,
          alias: decision.alias,
          reason: decision.reason,
        }),
      );
    }
    if (model === null || version === null) return;
    this.audit.info('model.registered', this.fields({ model, version, modelUri: success.modelUri }));
    if (decision?.alias === 'champion')
      this.audit.info(
        'model.promoted',
        this.fields({ model, version, alias: 'champion', previousVersion: decision.champion_version }),
      );
  }

  /** How the attempt left the job: finished, or back in the queue for another attempt. */
  ended(end: AuditedEnd, failureReason: FailureReason | null, message: string | null): void {
    const why = { failureReason, message };
    switch (end) {
      case 'succeeded':
        this.audit.info('job.succeeded', this.fields({}));
        return;
      case 'failed':
        this.audit.severe('job.failed', this.fields({ ...why, step: this.failedStep }));
        return;
      case 'cancelled':
        this.audit.warning('job.cancelled', this.fields(why));
        return;
      case 'queued':
        this.audit.warning('job.retrying', this.fields({ ...why, step: this.failedStep }));
        return;
    }
  }

  private fields(specific: AuditFields): AuditFields {
    const job = {
      jobId: this.job.id,
      team: this.job.team,
      pipeline: this.job.pipeline,
      attempt: this.attempt,
    };
    // The job's own fields come first, and a figure named like one of them cannot override it.
    return { ...job, ...specific, ...job };
  }
}

/** A finding's figures as flat audit fields: numbers, strings and booleans as they are, the rest as JSON. */
export function flatFigures(figures: Record<string, unknown>): Record<string, AuditFieldValue> {
  const flat: Record<string, AuditFieldValue> = {};
  for (const [key, value] of Object.entries(figures)) {
    flat[key] =
      value === null || ['string', 'number', 'boolean'].includes(typeof value)
        ? (value as AuditFieldValue)
        : JSON.stringify(value);
  }
  return flat;
}

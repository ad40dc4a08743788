import type { FireResult, JobEntity, MonitoringEvaluationEntity } from '@ct/db';
import { pipelineTriggersSchema } from '@ct/shared';
import type { AuditLogger } from '@ct/shared/audit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_LOG } from '../audit/audit.module.js';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker-config.js';
import { Database } from '../database/database.js';
import { describeError } from '../errors/infrastructure-error.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { JobProducer } from '../training/job-producer.js';
import { degradationOf } from './degradation-rule.js';

/** The actor of what triggers do on their own, in the audit trail (as in the API). */
const TRIGGER_ACTOR = 'trigger';

/**
 * What follows an evaluation of live performance: when the pipeline's degradation trigger says the metric has
 * crossed its threshold on enough labelled predictions, it fires through the same firing transaction as every
 * trigger (disabled, run in progress, cool-down, quota; recorded either way), and a started retraining run,
 * reading the data since the window's start, is queued. It runs before the monitor job is marked succeeded,
 * so a finished monitor job has its firing recorded.
 */
@Injectable()
export class DegradationCheck {
  constructor(
    private readonly db: Database,
    private readonly producer: JobProducer,
    private readonly metrics: WorkerMetrics,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(AUDIT_LOG) private readonly audit: AuditLogger,
  ) {}

  async afterEvaluation(job: JobEntity, evaluation: MonitoringEvaluationEntity): Promise<void> {
    const logger = new Logger(`job ${job.id}`);
    const pipeline = await this.db.pipelines.get(evaluation.pipelineId);
    if (!pipeline) return logger.log(`pipeline ${evaluation.pipelineId} is gone: no degradation check`);
    const triggers = pipelineTriggersSchema.safeParse(pipeline.triggers);
    const degradation = degradationOf(triggers.data?.degradation, evaluation, new Date());
    if ('none' in degradation) return logger.log(`degradation trigger: does not fire: ${degradation.none}`);
    const result = await this.db.triggers.fire({
      pipelineId: pipeline.id,
      kind: 'performance',
      figures: degradation.figures,
      dataSince: degradation.dataSince,
      quota: this.config.teamQuota,
      // One firing per evaluation, however often this monitor job's success is replayed.
      dedupeKey: `performance:${evaluation.id}`,
    });
    await this.recorded(result, logger);
  }

  private async recorded(result: FireResult, logger: Logger): Promise<void> {
    if (result.kind !== 'recorded') return logger.log(`degradation trigger: ${result.kind}`);
    const { record, job, duplicate } = result;
    logger.log(
      `degradation trigger: ${record.outcome}${record.reason ? ` (${record.reason})` : ''}: ${record.message}`,
    );
    if (duplicate) return;
    const fields = {
      pipelineId: record.pipelineId,
      team: record.team,
      trigger: record.kind,
      triggerId: record.id,
      actor: TRIGGER_ACTOR,
      outcome: record.outcome,
      ...(record.reason ? { reason: record.reason } : {}),
      ...(job ? { jobId: job.id, pipeline: job.pipeline } : {}),
    };
    this.metrics.triggerFired(record.team, record.kind, record.outcome, record.reason);
    if (record.outcome === 'suppressed') {
      this.audit.warning('trigger.suppressed', { ...fields, message: record.message });
      return;
    }
    this.audit.info('trigger.fired', fields);
    if (!job) return;
    this.audit.info('job.submitted', {
      jobId: job.id,
      team: job.team,
      pipeline: job.pipeline,
      actor: TRIGGER_ACTOR,
      trigger: job.trigger,
      priority: job.priority,
      triggerId: record.id,
      pipelineVersion: job.pipelineVersion ?? 0,
    });
    try {
      await this.producer.add(job);
    } catch (error) {
      logger.warn(
        `job ${job.id} is stored but not queued yet, the reconciler will queue it: ${describeError(error)}`,
      );
    }
  }
}

import type { JobEntity, MonitoringEvaluationEntity } from '@ct/db';
import { Injectable, Logger } from '@nestjs/common';

/**
 * What follows an evaluation of live performance: the pipeline's degradation trigger, when the metric has
 * crossed its threshold on enough labelled predictions, fires a retraining run. For now it only says what
 * it was given.
 */
@Injectable()
export class DegradationCheck {
  async afterEvaluation(job: JobEntity, evaluation: MonitoringEvaluationEntity): Promise<void> {
    new Logger(`job ${job.id}`).log(
      `evaluation ${evaluation.id} of pipeline ${evaluation.pipelineId}: ${evaluation.samples} labelled predictions`,
    );
  }
}

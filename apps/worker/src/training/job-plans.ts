import type { JobKind } from '@ct/shared';
import { Injectable } from '@nestjs/common';
import { MonitorPlan } from '../scoring/monitor-plan.js';
import { ScorePlan } from '../scoring/score-plan.js';
import type { JobPlan } from './job-plan.js';
import { TrainingPlan } from './training-plan.js';

/** The plan of each job kind. */
@Injectable()
export class JobPlans {
  private readonly plans: Record<JobKind, JobPlan>;

  constructor(train: TrainingPlan, score: ScorePlan, monitor: MonitorPlan) {
    this.plans = { train, score, monitor };
  }

  of(kind: JobKind): JobPlan {
    return this.plans[kind];
  }
}

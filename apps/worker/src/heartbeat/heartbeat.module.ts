import { Module } from '@nestjs/common';
import { TrainingModule } from '../training/training.module.js';
import { WorkerHeartbeat } from './worker-heartbeat.js';

/** The worker's side of the live-worker registry that `GET /v1/workers` reads. */
@Module({ imports: [TrainingModule], providers: [WorkerHeartbeat], exports: [WorkerHeartbeat] })
export class HeartbeatModule {}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The live loop: jobs get a kind (train, score, monitor) and a task; every prediction is stored with its model
 * version and later its outcome; monitor jobs record evaluations; pipelines get a monitoring configuration.
 */
export class LiveMonitoring1765300000000 implements MigrationInterface {
  name = 'LiveMonitoring1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "monitoring_evaluations" ("id" uuid NOT NULL, "team" text NOT NULL, "pipeline_id" uuid NOT NULL, "job_id" uuid NOT NULL, "model_version" text, "window_start" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "window_end" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "samples" integer NOT NULL, "scored" integer NOT NULL, "metrics" jsonb NOT NULL DEFAULT \'{}\', "drift" jsonb, "drift_skipped" text, "mlflow_run_id" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_f45f901b0cd8c3599c6c58f7637" UNIQUE ("job_id"), CONSTRAINT "PK_304ba8691a1f9bc46861f70019c" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "monitoring_evaluations_pipeline_created_idx" ON "monitoring_evaluations"  ("pipeline_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "predictions" ("id" BIGSERIAL NOT NULL, "team" text NOT NULL, "pipeline_id" uuid NOT NULL, "job_id" uuid, "row_key" text NOT NULL, "model_version" text, "run_id" text, "features" jsonb, "features_hash" text, "prediction" double precision NOT NULL, "probabilities" jsonb, "scored_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "inference_us" double precision, "outcome" double precision, "observed_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_b92c9e4db595214b289f5e28adc" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "predictions_pipeline_scored_idx" ON "predictions"  ("pipeline_id", "scored_at", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "predictions_pipeline_row_key_idx" ON "predictions"  ("pipeline_id", "row_key") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "predictions_job_row_key" ON "predictions"  ("job_id", "row_key") WHERE job_id IS NOT NULL',
    );
    await queryRunner.query('ALTER TABLE "pipelines" ADD "monitoring" jsonb NOT NULL DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "jobs" ADD "kind" text NOT NULL DEFAULT \'train\'');
    await queryRunner.query('ALTER TABLE "jobs" ADD "task" jsonb');
    await queryRunner.query(
      'ALTER TABLE "monitoring_evaluations" ADD CONSTRAINT "FK_9820833450a74532a8575ae32c4" FOREIGN KEY ("pipeline_id") REFERENCES "pipelines"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "predictions" ADD CONSTRAINT "FK_39bce8f2dc7bb5aa09455a48e32" FOREIGN KEY ("pipeline_id") REFERENCES "pipelines"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "task"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "kind"');
    await queryRunner.query('ALTER TABLE "pipelines" DROP COLUMN "monitoring"');
    await queryRunner.query('DROP TABLE "predictions"');
    await queryRunner.query('DROP TABLE "monitoring_evaluations"');
  }
}

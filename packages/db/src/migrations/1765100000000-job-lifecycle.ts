import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job lifecycle that survives faults: attempts that do not count (shutdown, lost lock, outage), why a
 * queued job waits, each attempt's heartbeat, per-model leases, and MLflow run ends still to deliver.
 */
export class JobLifecycle1765100000000 implements MigrationInterface {
  name = 'JobLifecycle1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "model_locks" ("registered_model" text NOT NULL, "holder" text NOT NULL, "job_id" uuid, "acquired_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_6af85c76df2830b7da784246d23" PRIMARY KEY ("registered_model"))',
    );
    await queryRunner.query(
      'CREATE TABLE "pending_run_ends" ("run_id" text NOT NULL, "job_id" uuid, "attempt" integer, "status" text NOT NULL, "end_time" TIMESTAMP WITH TIME ZONE NOT NULL, "tries" integer NOT NULL DEFAULT \'0\', "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_06475492655ecabd53788c51d3a" PRIMARY KEY ("run_id"))',
    );
    await queryRunner.query('ALTER TABLE "jobs" ADD "uncounted_attempts" integer NOT NULL DEFAULT \'0\'');
    await queryRunner.query('ALTER TABLE "jobs" ADD "wait_reason" text');
    await queryRunner.query('ALTER TABLE "jobs" ADD "waiting_since" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query('ALTER TABLE "job_attempts" ADD "heartbeat_at" TIMESTAMP WITH TIME ZONE');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "job_attempts" DROP COLUMN "heartbeat_at"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "waiting_since"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "wait_reason"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "uncounted_attempts"');
    await queryRunner.query('DROP TABLE "pending_run_ends"');
    await queryRunner.query('DROP TABLE "model_locks"');
  }
}

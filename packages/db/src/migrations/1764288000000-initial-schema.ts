import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Jobs, their attempts, events and captured logs, and API keys. */
export class InitialSchema1764288000000 implements MigrationInterface {
  name = 'InitialSchema1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "team" text NOT NULL, "role" text NOT NULL, "name" text NOT NULL, "key_hash" text NOT NULL, "prefix" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys" ("key_hash")');
    await queryRunner.query(
      'CREATE TABLE "jobs" ("id" uuid NOT NULL, "team" text NOT NULL, "pipeline" text NOT NULL, "state" text NOT NULL, "trigger" text NOT NULL, "spec" jsonb NOT NULL, "params" jsonb NOT NULL DEFAULT \'{}\', "priority" integer NOT NULL, "timeout_seconds" integer NOT NULL, "max_attempts" integer NOT NULL, "attempts" integer NOT NULL DEFAULT \'0\', "idempotency_key" text, "tags" jsonb NOT NULL DEFAULT \'{}\', "progress_step" text, "progress_fraction" double precision NOT NULL DEFAULT \'0\', "mlflow_experiment_id" text, "mlflow_run_id" text, "metrics" jsonb NOT NULL DEFAULT \'{}\', "model_uri" text, "model_version" text, "failure_reason" text, "failure_message" text, "cancel_requested_at" TIMESTAMP WITH TIME ZONE, "log_bytes" bigint NOT NULL DEFAULT \'0\', "log_truncated" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_cf0a6c42b72fcc7f7c237def345" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "jobs_state_idx" ON "jobs" ("state")');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "jobs_team_idempotency_key_key" ON "jobs" ("team", "idempotency_key") WHERE idempotency_key IS NOT NULL',
    );
    await queryRunner.query('CREATE INDEX "jobs_team_created_idx" ON "jobs" ("team", "created_at", "id")');
    await queryRunner.query(
      'CREATE TABLE "job_attempts" ("id" BIGSERIAL NOT NULL, "job_id" uuid NOT NULL, "attempt" integer NOT NULL, "mlflow_run_id" text, "worker" text, "outcome" text NOT NULL, "failure_reason" text, "message" text, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_61deab46f06c9ab9d5585b28423" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "job_attempts_job_attempt_key" ON "job_attempts" ("job_id", "attempt")',
    );
    await queryRunner.query(
      'CREATE TABLE "job_events" ("id" BIGSERIAL NOT NULL, "job_id" uuid NOT NULL, "attempt" integer NOT NULL, "type" text NOT NULL, "data" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_77f0d06e95eed355f7a38f6093b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "job_events_job_id_idx" ON "job_events" ("job_id", "id")');
    await queryRunner.query(
      'CREATE TABLE "job_log_chunks" ("id" BIGSERIAL NOT NULL, "job_id" uuid NOT NULL, "attempt" integer NOT NULL, "stream" text NOT NULL, "offset" bigint NOT NULL, "text" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_325f17a03a04f4112617f863b1c" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "job_log_chunks_job_offset_idx" ON "job_log_chunks" ("job_id", "offset")',
    );
    await queryRunner.query(
      'ALTER TABLE "job_attempts" ADD CONSTRAINT "FK_06ce9767b0657d2349e666081a7" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "job_events" ADD CONSTRAINT "FK_a4d87f3aed580149588c26cb3f2" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "job_log_chunks" ADD CONSTRAINT "FK_36c32118ac9889e17f9367b23a2" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "job_log_chunks" DROP CONSTRAINT "FK_36c32118ac9889e17f9367b23a2"');
    await queryRunner.query('ALTER TABLE "job_events" DROP CONSTRAINT "FK_a4d87f3aed580149588c26cb3f2"');
    await queryRunner.query('ALTER TABLE "job_attempts" DROP CONSTRAINT "FK_06ce9767b0657d2349e666081a7"');
    await queryRunner.query('DROP INDEX "public"."job_log_chunks_job_offset_idx"');
    await queryRunner.query('DROP TABLE "job_log_chunks"');
    await queryRunner.query('DROP INDEX "public"."job_events_job_id_idx"');
    await queryRunner.query('DROP TABLE "job_events"');
    await queryRunner.query('DROP INDEX "public"."job_attempts_job_attempt_key"');
    await queryRunner.query('DROP TABLE "job_attempts"');
    await queryRunner.query('DROP INDEX "public"."jobs_team_created_idx"');
    await queryRunner.query('DROP INDEX "public"."jobs_team_idempotency_key_key"');
    await queryRunner.query('DROP INDEX "public"."jobs_state_idx"');
    await queryRunner.query('DROP TABLE "jobs"');
    await queryRunner.query('DROP INDEX "public"."api_keys_key_hash_key"');
    await queryRunner.query('DROP TABLE "api_keys"');
  }
}

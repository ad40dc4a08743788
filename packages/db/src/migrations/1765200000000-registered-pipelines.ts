import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registered pipelines: their versioned specs, the record of every trigger firing, data arrivals for the
 * new-data trigger, and on each job the pipeline, spec version, trigger record and data high-water mark.
 */
export class RegisteredPipelines1765200000000 implements MigrationInterface {
  name = 'RegisteredPipelines1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "pipelines" ("id" uuid NOT NULL, "team" text NOT NULL, "name" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "schedule" jsonb, "triggers" jsonb NOT NULL DEFAULT \'{}\', "cooldown_seconds" integer NOT NULL DEFAULT \'0\', "latest_version" integer NOT NULL, "polled_until" TIMESTAMP(3) WITH TIME ZONE, "poll_error" text, "created_by" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e38ea171cdfad107c1f3db2c036" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "pipelines_team_name_key" ON "pipelines"  ("team", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "data_arrivals" ("id" BIGSERIAL NOT NULL, "pipeline_id" uuid NOT NULL, "rows" bigint NOT NULL, "source" text, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "recorded_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4249849d1d9207bb6e01d8f7881" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "data_arrivals_pipeline_at_idx" ON "data_arrivals"  ("pipeline_id", "at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "pipeline_versions" ("pipeline_id" uuid NOT NULL, "version" integer NOT NULL, "hash" text NOT NULL, "spec" jsonb NOT NULL, "created_by" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_fa13421e0b074ab2128e136d569" PRIMARY KEY ("pipeline_id", "version"))',
    );
    await queryRunner.query(
      'CREATE TABLE "trigger_records" ("id" uuid NOT NULL, "pipeline_id" uuid NOT NULL, "team" text NOT NULL, "kind" text NOT NULL, "fired_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "figures" jsonb NOT NULL DEFAULT \'{}\', "outcome" text NOT NULL, "reason" text, "job_id" uuid, "message" text NOT NULL, "dedupe_key" text, CONSTRAINT "PK_0c8ef6ddbe6e68fbcd5679c3317" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "trigger_records_pipeline_dedupe_key" ON "trigger_records"  ("pipeline_id", "dedupe_key") WHERE dedupe_key IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "trigger_records_pipeline_fired_idx" ON "trigger_records"  ("pipeline_id", "fired_at", "id") ',
    );
    await queryRunner.query('ALTER TABLE "jobs" ADD "pipeline_id" uuid');
    await queryRunner.query('ALTER TABLE "jobs" ADD "pipeline_version" integer');
    await queryRunner.query('ALTER TABLE "jobs" ADD "trigger_id" uuid');
    await queryRunner.query('ALTER TABLE "jobs" ADD "data_high_water" TIMESTAMP(3) WITH TIME ZONE');
    await queryRunner.query(
      'CREATE INDEX "jobs_pipeline_created_idx" ON "jobs"  ("pipeline_id", "created_at") WHERE pipeline_id IS NOT NULL',
    );
    // The team's queued and running jobs, counted on every submission against its quota.
    await queryRunner.query(
      'CREATE INDEX "jobs_team_active_idx" ON "jobs"  ("team", "state") WHERE state IN (\'queued\', \'running\')',
    );
    await queryRunner.query(
      'ALTER TABLE "data_arrivals" ADD CONSTRAINT "FK_19879a9d5ac34471da588a31186" FOREIGN KEY ("pipeline_id") REFERENCES "pipelines"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "pipeline_versions" ADD CONSTRAINT "FK_d1e495c40371ddf3e7670b27ba0" FOREIGN KEY ("pipeline_id") REFERENCES "pipelines"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "trigger_records" ADD CONSTRAINT "FK_de4e06c217bd26a88ffb088fab0" FOREIGN KEY ("pipeline_id") REFERENCES "pipelines"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "trigger_records" DROP CONSTRAINT "FK_de4e06c217bd26a88ffb088fab0"');
    await queryRunner.query(
      'ALTER TABLE "pipeline_versions" DROP CONSTRAINT "FK_d1e495c40371ddf3e7670b27ba0"',
    );
    await queryRunner.query('ALTER TABLE "data_arrivals" DROP CONSTRAINT "FK_19879a9d5ac34471da588a31186"');
    await queryRunner.query('DROP INDEX "public"."jobs_team_active_idx"');
    await queryRunner.query('DROP INDEX "public"."jobs_pipeline_created_idx"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "data_high_water"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "trigger_id"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "pipeline_version"');
    await queryRunner.query('ALTER TABLE "jobs" DROP COLUMN "pipeline_id"');
    await queryRunner.query('DROP TABLE "trigger_records"');
    await queryRunner.query('DROP TABLE "pipeline_versions"');
    await queryRunner.query('DROP TABLE "data_arrivals"');
    await queryRunner.query('DROP TABLE "pipelines"');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Jobs newest first across all teams (`GET /v1/jobs` with an admin key): without this index Postgres reads
 * and sorts every job to return a page.
 */
export class JobsCreatedIndex1765500000000 implements MigrationInterface {
  name = 'JobsCreatedIndex1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX "jobs_created_idx" ON "jobs" ("created_at", "id") ');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."jobs_created_idx"');
  }
}

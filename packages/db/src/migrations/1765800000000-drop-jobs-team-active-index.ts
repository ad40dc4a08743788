import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops `jobs_team_active_idx`: a team's running and queued jobs are counted from the team load deltas
 * (1765600000000) now, and no query filters jobs by team and active state any more; the index only slowed
 * every job write.
 */
export class DropJobsTeamActiveIndex1765800000000 implements MigrationInterface {
  name = 'DropJobsTeamActiveIndex1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."jobs_team_active_idx"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "jobs_team_active_idx" ON "jobs"  ("team", "state") WHERE state IN (\'queued\', \'running\')',
    );
  }
}

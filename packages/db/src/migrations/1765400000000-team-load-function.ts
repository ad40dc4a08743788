import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ct_lock_team_load(team)`: takes the team's transaction-scoped lock, then counts its queued and running jobs
 * in a statement of its own (a VOLATILE function's statements each take a fresh snapshot: the count sees every
 * job committed before the lock was granted). A submission can then lock, count and insert in one statement
 * whose lock is released by the commit right after it, with no round trip to the API in between.
 */
export class TeamLoadFunction1765400000000 implements MigrationInterface {
  name = 'TeamLoadFunction1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION ct_lock_team_load(p_team text, OUT queued integer, OUT running integer)
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('ct.team:' || p_team, 0));
        SELECT count(*) FILTER (WHERE state = 'queued')::integer,
               count(*) FILTER (WHERE state = 'running')::integer
          INTO queued, running
          FROM jobs WHERE team = p_team AND state IN ('queued', 'running');
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION ct_lock_team_load(text)');
  }
}

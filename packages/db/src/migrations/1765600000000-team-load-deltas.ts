import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A team's queued and running jobs without counting them: `ct_lock_team_load` counted the team's jobs under
 * its lock, and that cost grew with the queue (about 2 ms at 8,000 queued), for every submission.
 *
 * Triggers on `jobs` append one row `(team, queued, running)` to `team_load_deltas` for every insert, delete
 * or change of state or team that moves a job into or out of `queued`/`running` (every path that changes a
 * job, including ones not written yet). A team's load is the sum of its rows. Because the delta is written
 * in the transaction that changes the job, a snapshot sees the delta exactly when it sees the change: the
 * sum equals the `count(*)` of the same snapshot, so the quota stays exact as before (the sum is read under
 * the team's lock, with a fresh snapshot, as the count was).
 *
 * `ct_lock_team_load` keeps the sum short: after taking the team's lock, when the team has more than
 * COMPACT_AFTER rows, it replaces them by one row with their sum (none when the sum is zero).
 *
 * Why this cannot deadlock (by construction, not by a lock order that every path must follow):
 * - The triggers only INSERT into `team_load_deltas`. An insert takes no lock that anyone waits for (no
 *   unique key but the generated id), so a job's transaction never waits on this table, whatever it has
 *   locked before, in whatever order (submission, a worker's start under the team's lock, cancel,
 *   reconciler, retries, a trigger's firing, deletes).
 * - Only the compaction DELETEs rows, only the team's own, and only while holding the team's lock, which it
 *   holds until its transaction ends. Rows inserted by unfinished transactions are invisible to the DELETE
 *   and never waited for. So the only transaction that could wait for a row the compaction deleted is
 *   another compaction of the same team, and that one is still waiting for the team's lock.
 * - No row of this table is ever updated or locked otherwise. The table adds no edge to Postgres' waits-for
 *   graph; the team's lock is taken where it was taken before, so no path's lock order changed.
 * (A per-team counter row would be updated by every job transaction, at whatever point it changed a job,
 * holding its job rows: a cancel locking job then counter and a start locking team, job, counter can form
 * a cycle with a transaction that touches two jobs.)
 *
 * TRUNCATE of `jobs` (maintenance only; nothing in ct does it) empties the deltas in the same transaction.
 */
const COMPACT_AFTER = 32;

const LOAD_FUNCTION_WITH_DELTAS = `
  CREATE OR REPLACE FUNCTION ct_lock_team_load(p_team text, OUT queued integer, OUT running integer)
  LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    deltas integer;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('ct.team:' || p_team, 0));
    SELECT coalesce(sum(d.queued), 0)::integer, coalesce(sum(d.running), 0)::integer, count(*)::integer
      INTO queued, running, deltas
      FROM team_load_deltas d WHERE d.team = p_team;
    IF deltas > ${COMPACT_AFTER} THEN
      WITH gone AS (DELETE FROM team_load_deltas d WHERE d.team = p_team RETURNING d.queued, d.running)
      INSERT INTO team_load_deltas (team, queued, running)
        SELECT p_team, sum(gone.queued), sum(gone.running) FROM gone
        HAVING sum(gone.queued) <> 0 OR sum(gone.running) <> 0;
    END IF;
  END $$`;

// The definition of TeamLoadFunction1765400000000, restored by down().
const LOAD_FUNCTION_COUNTING = `
  CREATE OR REPLACE FUNCTION ct_lock_team_load(p_team text, OUT queued integer, OUT running integer)
  LANGUAGE plpgsql VOLATILE AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('ct.team:' || p_team, 0));
    SELECT count(*) FILTER (WHERE state = 'queued')::integer,
           count(*) FILTER (WHERE state = 'running')::integer
      INTO queued, running
      FROM jobs WHERE team = p_team AND state IN ('queued', 'running');
  END $$`;

export class TeamLoadDeltas1765600000000 implements MigrationInterface {
  name = 'TeamLoadDeltas1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE team_load_deltas (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        team text NOT NULL,
        queued integer NOT NULL,
        running integer NOT NULL
      )`);
    await queryRunner.query('CREATE INDEX team_load_deltas_team_idx ON team_load_deltas (team)');
    await queryRunner.query(`
      CREATE FUNCTION ct_team_load_delta() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        old_queued integer := 0; old_running integer := 0;
        new_queued integer := 0; new_running integer := 0;
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          old_queued := (OLD.state = 'queued')::integer;
          old_running := (OLD.state = 'running')::integer;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          new_queued := (NEW.state = 'queued')::integer;
          new_running := (NEW.state = 'running')::integer;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.team = NEW.team THEN
          IF new_queued <> old_queued OR new_running <> old_running THEN
            INSERT INTO team_load_deltas (team, queued, running)
              VALUES (NEW.team, new_queued - old_queued, new_running - old_running);
          END IF;
          RETURN NULL;
        END IF;
        IF old_queued + old_running > 0 THEN
          INSERT INTO team_load_deltas (team, queued, running) VALUES (OLD.team, -old_queued, -old_running);
        END IF;
        IF new_queued + new_running > 0 THEN
          INSERT INTO team_load_deltas (team, queued, running) VALUES (NEW.team, new_queued, new_running);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION ct_team_load_truncate() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM team_load_deltas;
        RETURN NULL;
      END $$`);
    // Created before the backfill, in the migration's transaction: CREATE TRIGGER locks `jobs` against
    // writes until the commit, so no job changes between the backfill's count and the first delta.
    await queryRunner.query(`
      CREATE TRIGGER jobs_team_load_insert AFTER INSERT ON jobs
      FOR EACH ROW EXECUTE FUNCTION ct_team_load_delta()`);
    await queryRunner.query(`
      CREATE TRIGGER jobs_team_load_update AFTER UPDATE OF state, team ON jobs
      FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.team IS DISTINCT FROM NEW.team)
      EXECUTE FUNCTION ct_team_load_delta()`);
    await queryRunner.query(`
      CREATE TRIGGER jobs_team_load_delete AFTER DELETE ON jobs
      FOR EACH ROW EXECUTE FUNCTION ct_team_load_delta()`);
    await queryRunner.query(`
      CREATE TRIGGER jobs_team_load_truncate AFTER TRUNCATE ON jobs
      FOR EACH STATEMENT EXECUTE FUNCTION ct_team_load_truncate()`);
    await queryRunner.query(`
      INSERT INTO team_load_deltas (team, queued, running)
        SELECT team, count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'running')
        FROM jobs WHERE state IN ('queued', 'running') GROUP BY team`);
    await queryRunner.query(LOAD_FUNCTION_WITH_DELTAS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(LOAD_FUNCTION_COUNTING);
    await queryRunner.query('DROP TRIGGER jobs_team_load_truncate ON jobs');
    await queryRunner.query('DROP TRIGGER jobs_team_load_delete ON jobs');
    await queryRunner.query('DROP TRIGGER jobs_team_load_update ON jobs');
    await queryRunner.query('DROP TRIGGER jobs_team_load_insert ON jobs');
    await queryRunner.query('DROP FUNCTION ct_team_load_truncate()');
    await queryRunner.query('DROP FUNCTION ct_team_load_delta()');
    await queryRunner.query('DROP TABLE team_load_deltas');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Team and pipeline names lose the `.` that separates them in the registered model `<team>.<pipeline>`
 * (team `acme` + pipeline `ml.churn` and team `acme.ml` + pipeline `churn` both made `acme.ml.churn`).
 *
 * New names only: a trigger refuses an inserted key or job, or a changed team or pipeline, with a `.`.
 * Existing rows stay as they were and can still be updated. A CHECK constraint, even NOT VALID, would also
 * be checked on every update of an old row, so a job of an old pipeline could never finish and an old key
 * could never be revoked. Renaming in place could merge two teams. The API refuses to act for a key of a
 * team with a `.` (403, it can still be listed and revoked), and the worker's re-validation of the spec
 * fails a queued job of a pipeline with one as invalid input.
 */
export class RegisteredModelNames1765000000000 implements MigrationInterface {
  name = 'RegisteredModelNames1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE FUNCTION "ct_refuse_model_separator"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  field text;
  value text;
BEGIN
  FOREACH field IN ARRAY TG_ARGV LOOP
    value := to_jsonb(NEW) ->> field;
    IF position('.' IN value) > 0 AND (TG_OP = 'INSERT' OR value IS DISTINCT FROM to_jsonb(OLD) ->> field) THEN
      RAISE EXCEPTION '%.% "%" contains ".", which separates team and pipeline in registered model names', TG_TABLE_NAME, field, value
        USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_' || field || '_no_dot';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$`);
    await queryRunner.query(
      'CREATE TRIGGER "api_keys_team_no_dot" BEFORE INSERT OR UPDATE OF "team" ON "api_keys" FOR EACH ROW EXECUTE FUNCTION "ct_refuse_model_separator"(\'team\')',
    );
    await queryRunner.query(
      'CREATE TRIGGER "jobs_names_no_dot" BEFORE INSERT OR UPDATE OF "team", "pipeline" ON "jobs" FOR EACH ROW EXECUTE FUNCTION "ct_refuse_model_separator"(\'team\', \'pipeline\')',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER "jobs_names_no_dot" ON "jobs"');
    await queryRunner.query('DROP TRIGGER "api_keys_team_no_dot" ON "api_keys"');
    await queryRunner.query('DROP FUNCTION "ct_refuse_model_separator"()');
  }
}

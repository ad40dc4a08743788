import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Uploaded project versions (`ProjectVersionEntity`); their files live in MLflow's artifact store. */
export class ProjectVersions1765700000000 implements MigrationInterface {
  name = 'ProjectVersions1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "project_versions" ("id" uuid NOT NULL, "team" text NOT NULL, "name" text NOT NULL, "hash" text NOT NULL, "size_bytes" integer NOT NULL, "unpacked_bytes" integer NOT NULL, "file_count" integer NOT NULL, "entry_points" jsonb NOT NULL, "environment" jsonb NOT NULL, "uploaded_by" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0933adf663634f5c8c335e7b5e4" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "project_versions_latest_idx" ON "project_versions"  ("team", "name", "created_at") ',
    );
    // One row per version of a team's project: a second upload of the same files finds the first.
    await queryRunner.query(
      'CREATE UNIQUE INDEX "project_versions_version_key" ON "project_versions"  ("team", "name", "hash") ',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "project_versions"');
  }
}

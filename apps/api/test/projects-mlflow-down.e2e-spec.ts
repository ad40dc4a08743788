import { fileURLToPath } from 'node:url';
import {
  errorBodySchema,
  PROJECT_ARCHIVE_TYPE,
  projectArchivePath,
  projectSchema,
  projectVersionSchema,
} from '@ct/shared';
import { type ProjectFile, projectHash, writeProjectArchive } from '@ct/shared/project-archive';
import { type PrivateMlflow, startPrivateMlflow } from '@ct/test-support';
import { bearer, startTestApi, type TestApi } from './harness.js';

const MLFLOW_BIN = fileURLToPath(new URL('../../../pipeline/.venv/bin/mlflow', import.meta.url));
const TEST_TIMEOUT_MS = 120_000;

const project = (train: string): ProjectFile[] =>
  [
    ['requirements.txt', 'scikit-learn\n'],
    ['train.py', train],
  ].map(([path = '', text = '']) => ({ path, executable: false, data: Buffer.from(text) }));

describe('uploading a project while MLflow does not answer (a real private MLflow, stopped; real Postgres)', () => {
  let mlflow: PrivateMlflow;
  let api: TestApi;
  let submitter: string;
  const name = `ridge-down-${Date.now().toString(36)}`;

  const upload = (files: ProjectFile[]) =>
    api
      .http()
      .post(`/v1/projects/${name}`)
      .set(bearer(submitter))
      .set('Content-Type', PROJECT_ARCHIVE_TYPE)
      .send(writeProjectArchive(files));
  const listedHashes = async () =>
    projectSchema
      .parse((await api.http().get(`/v1/projects/${name}`).set(bearer(submitter)).expect(200)).body)
      .versions.map((version) => version.hash);

  beforeAll(async () => {
    mlflow = await startPrivateMlflow(MLFLOW_BIN);
    api = await startTestApi({ config: { mlflowTrackingUri: mlflow.url } });
    submitter = await api.key('team-a', 'submitter');
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await api?.close();
    await mlflow?.remove();
  });

  it(
    'answers 503 dependency_unavailable at once and records nothing; the same upload succeeds once MLflow is back',
    async () => {
      const first = projectVersionSchema.parse((await upload(project('print(1)\n')).expect(201)).body);
      await mlflow.stop();

      const changed = project('print(2)\n');
      const startedAt = Date.now();
      const refused = await upload(changed);
      // A refused connection is known at once: well under the 60 s an artifact transfer may take.
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(refused.status).toBe(503);
      const error = errorBodySchema.parse(refused.body);
      expect(error.code).toBe('dependency_unavailable');
      // It names what could not be stored, and why.
      expect(error.message).toContain(
        `MLflow artifact ${projectArchivePath('team-a', name, projectHash(changed))}`,
      );
      expect(error.message).toContain('ECONNREFUSED');
      // Reads come from Postgres: the project is still shown, with only the version stored before.
      expect(await listedHashes()).toEqual([first.hash]);

      await mlflow.start();
      const second = projectVersionSchema.parse((await upload(changed).expect(201)).body);
      expect(second.hash).not.toBe(first.hash);
      expect(await listedHashes()).toEqual([second.hash, first.hash]);
    },
    TEST_TIMEOUT_MS,
  );
});

import { gzipSync } from 'node:zlib';
import {
  PROJECT_ARCHIVE_TYPE,
  projectArchivePath,
  projectListSchema,
  projectSchema,
  projectVersionSchema,
} from '@ct/shared';
import { type ProjectFile, readProjectArchive, writeProjectArchive } from '@ct/shared/project-archive';
import { getMlflowArtifact } from '@ct/shared/runtime';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

const file = (path: string, text: string, executable = false): ProjectFile => ({
  path,
  executable,
  data: Buffer.from(text),
});

const MLPROJECT = `name: ridge
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      label: string
    command: "python train.py --alpha {alpha}"
`;
const PROJECT = [
  file('MLproject', MLPROJECT),
  file('python_env.yaml', 'python: "3.11"\ndependencies:\n  - scikit-learn\n'),
  file('train.py', 'print("training")\n'),
  file('lib/helpers.py', 'X = 1\n'),
];

/** One tar block: a header for `name` of `type`, then `body` padded (enough for the refusals tested here). */
function tarEntry(name: string, type: string, body = Buffer.alloc(0), link = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write(link, 157);
  header.write('ustar\x0000', 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([header, padded]);
}
const tarGz = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

describe('uploaded projects (real Postgres and MLflow artifact store)', () => {
  let api: TestApi;
  let submitter: string;
  let otherTeam: string;
  const name = `ridge-${Date.now().toString(36)}`;

  const upload = (key: string, body: Buffer, project = name, type = PROJECT_ARCHIVE_TYPE) =>
    api.http().post(`/v1/projects/${project}`).set(bearer(key)).set('Content-Type', type).send(body);

  beforeAll(async () => {
    api = await startTestApi();
    submitter = await api.key('team-a', 'submitter');
    otherTeam = await api.key('team-b', 'submitter');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('stores a version by the hash of its files, with its entry points and environment, once', async () => {
    const first = await upload(submitter, writeProjectArchive(PROJECT)).expect(201);
    const version = projectVersionSchema.parse(first.body);
    expect(version).toMatchObject({
      team: 'team-a',
      name,
      ref: `${name}@${version.hash}`,
      fileCount: 4,
      environment: { kind: 'python_env', file: 'python_env.yaml' },
      entryPoints: [
        {
          name: 'main',
          command: 'python train.py --alpha {alpha}',
          parameters: { alpha: { type: 'float', default: 0.5 }, label: { type: 'string', default: null } },
        },
      ],
    });
    // The same files again, in another order: the same version (200), nothing new.
    const again = await upload(submitter, writeProjectArchive([...PROJECT].reverse())).expect(200);
    expect(again.body.hash).toBe(version.hash);
    // The files are in MLflow's artifact store, under the team and the hash.
    const stored = await getMlflowArtifact(
      api.config.mlflowTrackingUri,
      projectArchivePath('team-a', name, version.hash),
    );
    expect(stored && readProjectArchive(stored).hash).toBe(version.hash);
  });

  it('lists versions newest first; a spec naming the project runs the newest, pinned by its hash', async () => {
    const older = projectVersionSchema.parse((await upload(submitter, writeProjectArchive(PROJECT))).body);
    const changed = PROJECT.map((f) => (f.path === 'train.py' ? file('train.py', 'print("better")\n') : f));
    const newer = projectVersionSchema.parse(
      (await upload(submitter, writeProjectArchive(changed)).expect(201)).body,
    );
    const viewer = await api.key('team-a', 'viewer');
    const shown = projectSchema.parse(
      (await api.http().get(`/v1/projects/${name}`).set(bearer(viewer)).expect(200)).body,
    );
    expect(shown.versions.map((v) => v.hash)).toEqual([newer.hash, older.hash]);
    const listed = projectListSchema.parse(
      (await api.http().get('/v1/projects').set(bearer(viewer)).expect(200)).body,
    );
    expect(listed.items).toEqual([expect.objectContaining({ name, versions: 2, latest: newer })]);

    const custom = (project: string) =>
      submission({
        spec: {
          pipeline: 'custom-ridge',
          task: 'regression',
          data: { source: 'sklearn', name: 'diabetes' },
          model: { custom: { project, entrypoint: 'train:fit' } },
        },
      });
    const latest = await api.submit(submitter, custom(name));
    expect((latest.spec as { model: { custom: { project: string } } }).model.custom.project).toBe(newer.ref);
    const pinned = await api.submit(submitter, custom(`${name}@${older.hash.slice(0, 8)}`));
    expect((pinned.spec as { model: { custom: { project: string } } }).model.custom.project).toBe(older.ref);
    // A name the team never uploaded is left for the operator's CT_PROJECTS_ROOT.
    const folder = await api.submit(submitter, custom('operators-folder'));
    expect((folder.spec as { model: { custom: { project: string } } }).model.custom.project).toBe(
      'operators-folder',
    );
    const unknown = await api
      .http()
      .post('/v1/jobs')
      .set(bearer(submitter))
      .send(custom(`${name}@abcdef0`));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      code: 'validation_failed',
      details: [
        { path: 'spec.model.custom.project', message: expect.stringContaining('no version abcdef0') },
      ],
    });
  });

  it("hides a team's projects from other teams", async () => {
    await upload(submitter, writeProjectArchive(PROJECT));
    await api.http().get(`/v1/projects/${name}`).set(bearer(otherTeam)).expect(404);
    expect((await api.http().get('/v1/projects').set(bearer(otherTeam)).expect(200)).body).toEqual({
      items: [],
    });
    const theirs = await api
      .http()
      .post('/v1/jobs')
      .set(bearer(otherTeam))
      .send(
        submission({
          spec: {
            pipeline: 'custom-ridge',
            task: 'regression',
            data: { source: 'sklearn', name: 'diabetes' },
            model: { custom: { project: `${name}@${'0'.repeat(6)}`, entrypoint: 'train:fit' } },
          },
        }),
      );
    expect(theirs.status).toBe(400);
  });

  it.each([
    ['a path climbing out', tarGz(tarEntry('../evil.py', '0', Buffer.from('x'))), '../evil.py'],
    ['an absolute path', tarGz(tarEntry('/etc/cron.d/evil', '0', Buffer.from('x'))), '/etc/cron.d/evil'],
    ['a symlink', tarGz(tarEntry('link', '2', Buffer.alloc(0), '/etc/passwd')), 'link'],
    ['a device', tarGz(tarEntry('dev', '3')), 'dev'],
    ['not gzip', Buffer.from('just text'), 'gzip'],
  ])('refuses an archive with %s (400 naming it), storing nothing', async (_what, body, named) => {
    const res = await upload(submitter, body, 'refused').expect(400);
    expect(res.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'archive' }] });
    expect(res.body.message).toContain(named);
    await api.http().get('/v1/projects/refused').set(bearer(submitter)).expect(404);
  });

  it('refuses a zip bomb and an archive over the size limit with 413', async () => {
    const bomb = tarGz(tarEntry('zeros.bin', '0', Buffer.alloc(150 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect((await upload(submitter, bomb, 'bomb').expect(413)).body.code).toBe('payload_too_large');
    const huge = Buffer.alloc(21 * 1024 * 1024, 1);
    expect((await upload(submitter, huge, 'huge').expect(413)).body.code).toBe('payload_too_large');
  });

  it('takes the archive sent as application/octet-stream too', async () => {
    const res = await upload(submitter, writeProjectArchive(PROJECT), 'octets', 'application/octet-stream');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'octets', fileCount: 4 });
  });

  it('refuses an upload that is not an archive body, and a viewer', async () => {
    const json = await api.http().post(`/v1/projects/${name}`).set(bearer(submitter)).send({ files: [] });
    expect(json.status).toBe(400);
    const viewer = await api.key('team-a', 'viewer');
    await upload(viewer, writeProjectArchive(PROJECT)).expect(403);
  });
});

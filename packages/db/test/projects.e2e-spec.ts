import type { TrainingSpec } from '@ct/shared';
import { type NewProjectVersion, ProjectStore } from '../src/store/project-store.js';
import { migratedDatabase } from './database.js';

const version = (name: string, hash: string, team = 'team-a'): NewProjectVersion => ({
  team,
  name,
  hash,
  sizeBytes: 100,
  unpackedBytes: 300,
  fileCount: 2,
  entryPoints: [],
  environment: { kind: 'none', file: null },
  uploadedBy: null,
});
const hash = (start: string) => start.padEnd(64, '0');

const spec = (model: TrainingSpec['model']): TrainingSpec =>
  ({
    pipeline: 'p',
    task: 'regression',
    data: { source: 'sklearn', name: 'diabetes' },
    model,
  }) as TrainingSpec;
const custom = (project: string) =>
  spec({ custom: { project, entrypoint: 'train:fit', params: {} }, params: {} });

describe('ProjectStore (real Postgres)', () => {
  const database = migratedDatabase();
  let sut: ProjectStore;

  beforeAll(async () => {
    sut = new ProjectStore(database.dataSource);
    await sut.record(version('ridge', hash('aaaaaa1')));
    await sut.record(version('ridge', hash('aaaaaa2')));
    await sut.record(version('ridge', hash('bbbbbb')));
    await sut.record(version('other', hash('cccccc')));
    await sut.record(version('ridge', hash('dddddd'), 'team-b'));
  });

  it('records a version once: the same files again return the first record', async () => {
    const again = await sut.record({ ...version('ridge', hash('aaaaaa1')), fileCount: 99 });
    expect(again.created).toBe(false);
    expect(again.version.fileCount).toBe(2);
  });

  it("lists a team's projects with their newest version and count, and a project's versions newest first", async () => {
    const listed = await sut.list('team-a');
    expect(listed.map((p) => [p.latest.name, p.latest.hash, p.versions])).toEqual([
      ['other', hash('cccccc'), 1],
      ['ridge', hash('bbbbbb'), 3],
    ]);
    expect(listed[1]?.latest.createdAt).toBeInstanceOf(Date);
    expect((await sut.versionsOf('team-a', 'ridge')).map((v) => v.hash)).toEqual([
      hash('bbbbbb'),
      hash('aaaaaa2'),
      hash('aaaaaa1'),
    ]);
    expect(await sut.versionsOf('team-b', 'other')).toEqual([]);
  });

  it.each([
    ['a name: the newest version', 'ridge', { project: `ridge@${hash('bbbbbb')}` }],
    ['a hash prefix: that version', 'ridge@aaaaaa2', { project: `ridge@${hash('aaaaaa2')}` }],
    ['a name never uploaded: as it is', 'folder', { project: 'folder' }],
    ['a prefix of two versions', 'ridge@aaaaaa', { problem: 'names several versions' }],
    ['a prefix of none', 'ridge@eeeeee', { problem: 'has no version eeeeee of project ridge' }],
    ["another team's version", 'ridge@dddddd', { problem: 'has no version dddddd' }],
  ])('pins a spec naming %s', async (_what, project, expected) => {
    const pinned = await sut.pin('team-a', custom(project));
    if ('project' in expected)
      expect('spec' in pinned && pinned.spec.model.custom?.project).toBe(expected.project);
    else
      expect(pinned).toEqual({
        problem: { path: 'spec.model.custom.project', message: expect.stringContaining(expected.problem) },
      });
  });

  it('pins an MLflow Project the same way, and leaves a catalogue model alone', async () => {
    const mlproject = spec({
      mlproject: { project: 'other', entry_point: 'main', parameters: {} },
      params: {},
    });
    const pinned = await sut.pin('team-a', mlproject);
    expect('spec' in pinned && pinned.spec.model.mlproject).toEqual({
      project: `other@${hash('cccccc')}`,
      entry_point: 'main',
      parameters: {},
    });
    const catalogue = spec({ estimator: 'sklearn.linear_model.Ridge', params: {} });
    expect(await sut.pin('team-a', catalogue)).toEqual({ spec: catalogue });
  });
});

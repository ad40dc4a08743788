import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContractAnswers } from './fake-api.js';
import {
  jobFixture,
  PIPELINE_ID,
  pipelineFixture,
  RUN_JOB_ID,
  SPEC_INPUT,
  triggerFixture,
} from './pipeline-fixtures.js';
import { ctRunner } from './run-ct.js';

const JOB_FILE = fileURLToPath(new URL('../../../examples/diabetes-lgbm.job.json', import.meta.url));
const POINTS_SPEC = fileURLToPath(new URL('../../../examples/points/spec.json', import.meta.url));
const HOUR = 3600_000;

/** A pipeline whose times are relative to now, so that the relative ones read the same at any hour. */
function livePipeline(overrides: Parameters<typeof pipelineFixture>[0] = {}) {
  return pipelineFixture({ nextRunAt: new Date(Date.now() + 3 * HOUR + 10_000).toISOString(), ...overrides });
}

describe('ct pipelines, against a fake API that holds the client to the contract', () => {
  const runner = ctRunner();
  const ct = runner.ct;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ct-cli-pipelines-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // An unexpected call, or a fixture that left the contract, fails the test that made it.
  afterEach(async () => expect(await runner.finish()).toEqual([]));

  const specFile = (content: unknown) => {
    const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('create: the flags become the body; the answer is summarised', async () => {
    const sut = await ct(
      { createPipeline: () => ({ status: 201, body: livePipeline() }) },
      ...[
        'pipelines',
        'create',
        '-f',
        specFile(SPEC_INPUT),
        '--cron',
        '0 3 * * *',
        '--timezone',
        'Europe/Paris',
      ],
      ...[
        '--min-new-rows',
        '1000',
        '--poll-seconds',
        '60',
        '--cooldown-seconds',
        '600',
        '--promotion',
        'manual',
      ],
    );
    expect(sut.err).toBe('');
    expect(sut.code).toBe(0);
    expect(sut.requests).toEqual([
      expect.objectContaining({
        route: 'createPipeline',
        body: {
          spec: SPEC_INPUT,
          schedule: { cron: '0 3 * * *', timezone: 'Europe/Paris' },
          triggers: { newData: { minNewRows: 1000, pollSeconds: 60 } },
          cooldownSeconds: 600,
          promotion: { policy: 'manual' },
        },
      }),
    ]);
    expect(sut.out).toMatch(/^registered pipeline churn\npipeline {10}churn \(/);
    expect(sut.out).toMatch(/^next run {10}\S+Z \(in 3h\)$/m);
  });

  it('create -f takes a job file as ct submit does: its spec is registered', async () => {
    const sut = await ct(
      { createPipeline: () => ({ status: 201, body: livePipeline() }) },
      ...['pipelines', 'create', '-f', JOB_FILE, '--disabled', '--json'],
    );
    expect(sut.code).toBe(0);
    const { spec } = JSON.parse(readFileSync(JOB_FILE, 'utf8'));
    expect(sut.requests[0]?.body).toEqual({ spec, enabled: false });
    expect(JSON.parse(sut.out)).toMatchObject({ id: PIPELINE_ID, name: 'churn' });
  });

  it('create -f takes a pipeline file: its triggers and guards, a flag winning and adding to them', async () => {
    const file = {
      spec: JSON.parse(readFileSync(POINTS_SPEC, 'utf8')),
      triggers: { degradation: { metric: 'r2', threshold: 0.2, minSamples: 50, windowSeconds: 3600 } },
      cooldownSeconds: 600,
    };
    const sut = await ct(
      { createPipeline: () => ({ status: 201, body: livePipeline() }) },
      ...['pipelines', 'create', '-f', specFile(file), '--min-new-rows', '500', '--cooldown-seconds', '60'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.body).toEqual({
      spec: file.spec,
      triggers: { ...file.triggers, newData: { minNewRows: 500 } },
      cooldownSeconds: 60,
    });
  });

  it('a cron and a time zone the contract refuses: 400 naming each field, exit 3, nothing created', async () => {
    const sut = await ct(
      {},
      ...[
        'pipelines',
        'create',
        '-f',
        specFile(SPEC_INPUT),
        '--cron',
        'every day',
        '--timezone',
        'Mars/Olympus',
      ],
    );
    expect(sut.code).toBe(3);
    expect(sut.requests).toEqual([]);
    expect(sut.err).toMatch(
      /^ct: 400 validation_failed: schedule\.cron: must have 5 fields .*\(and 1 more\)$/m,
    );
    expect(sut.err).toMatch(/^ {2}schedule\.timezone: Mars\/Olympus is not an IANA time zone/m);
  });

  it('show: the summary with the next run, then the last 10 trigger records', async () => {
    const triggers = [
      triggerFixture({
        kind: 'new_data',
        figures: { rowsSinceLastRun: 1500, minNewRows: 1000 },
        outcome: 'suppressed',
        reason: 'run_in_progress',
        jobId: null,
      }),
      triggerFixture(),
    ];
    const answers: ContractAnswers = {
      getPipeline: () => ({ status: 200, body: livePipeline() }),
      listPipelineTriggers: () => ({ status: 200, body: { items: triggers, nextCursor: 'more' } }),
    };
    const sut = await ct(answers, 'pipelines', 'show', 'churn');
    expect(sut.code).toBe(0);
    expect(sut.requests.map((r) => [r.route, r.params, r.query])).toEqual(
      expect.arrayContaining([
        ['getPipeline', { id: 'churn' }, {}],
        ['listPipelineTriggers', { id: 'churn' }, { limit: '10' }],
      ]),
    );
    expect(sut.out).toMatch(/^next run {10}\S+Z \(in 3h\)$/m);
    expect(sut.out).toContain('last 2 trigger record(s), newest first:');
    expect(sut.out).toMatch(
      /^\S+Z {2}new_data {2}suppressed {2}run_in_progress {2}- +rowsSinceLastRun=1500 minNewRows=1000$/m,
    );
    expect(sut.out).toMatch(new RegExp(`^\\S+Z  schedule  started +- +${RUN_JOB_ID}  tickAt=`, 'm'));

    const json = await ct(answers, 'pipelines', 'show', PIPELINE_ID, '--json');
    expect(JSON.parse(json.out)).toEqual({
      pipeline: livePipelineShape(),
      triggers: JSON.parse(JSON.stringify(triggers)),
    });
  });

  it('list pages on with --cursor', async () => {
    const sut = await ct(
      { listPipelines: () => ({ status: 200, body: { items: [livePipeline()], nextCursor: 'c2' } }) },
      ...['pipelines', 'list', '--limit', '1'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.query).toEqual({ limit: '1' });
    expect(sut.out).toMatch(
      /^churn +yes +3 +0 3 \* \* \* Europe\/Paris +in 3h +400\/1000 +succeeded \S+ ago$/m,
    );
    expect(sut.out).toMatch(/^more: ct pipelines list --cursor c2$/m);
  });

  it('update --timezone keeps the cron: reads the pipeline, then patches the whole schedule', async () => {
    const updated = livePipeline({ schedule: { cron: '0 3 * * *', timezone: 'UTC' } });
    const sut = await ct(
      {
        getPipeline: () => ({ status: 200, body: livePipeline() }),
        updatePipeline: () => ({ status: 200, body: updated }),
      },
      ...['pipelines', 'update', 'churn', '--timezone', 'UTC'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests.map((r) => r.route)).toEqual(['getPipeline', 'updatePipeline']);
    expect(sut.requests[1]?.body).toEqual({ schedule: { cron: '0 3 * * *', timezone: 'UTC' } });
    expect(sut.out).toMatch(/^updated pipeline churn \(same version 3, f3a1c09b2e7d\)$/m);
  });

  it('update -f with a new spec: a new version', async () => {
    const spec = { ...SPEC_INPUT, model: { estimator: 'sklearn.linear_model.Ridge', params: { alpha: 2 } } };
    const latestVersion = {
      version: 4,
      hash: 'ab'.repeat(32),
      createdBy: null,
      createdAt: new Date().toISOString(),
    };
    const sut = await ct(
      {
        getPipeline: () => ({ status: 200, body: livePipeline() }),
        updatePipeline: () => ({ status: 200, body: livePipeline({ latestVersion }) }),
      },
      ...['pipelines', 'update', 'churn', '-f', specFile(spec), '--no-schedule'],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[1]?.body).toEqual({ spec, schedule: null });
    expect(sut.out).toMatch(/^updated pipeline churn \(new version 4, abababababab\)$/m);
  });

  it.each([
    ['enable', 'enablePipeline', 'pipeline churn enabled'],
    ['disable', 'disablePipeline', 'pipeline churn disabled'],
  ] as const)('%s', async (action, route, line) => {
    const sut = await ct(
      { [route]: () => ({ status: 200, body: livePipeline() }) },
      'pipelines',
      action,
      'churn',
    );
    expect(sut.code).toBe(0);
    expect(sut.requests.map((r) => r.route)).toEqual([route]);
    expect(sut.out.split('\n')[0]).toBe(line);
  });

  it('delete', async () => {
    const sut = await ct({ deletePipeline: () => ({ status: 204 }) }, 'pipelines', 'delete', 'churn');
    expect(sut.code).toBe(0);
    expect(sut.out).toBe('deleted pipeline churn; its jobs and registered model stay');
  });

  it('run: prints the job id and how to follow it', async () => {
    const trigger = triggerFixture({ kind: 'manual', figures: {} });
    const sut = await ct(
      { startPipelineRun: () => ({ status: 201, body: { job: jobFixture(), trigger } }) },
      ...['pipelines', 'run', 'churn'],
    );
    expect(sut.code).toBe(0);
    expect(sut.out).toBe(
      `started job ${RUN_JOB_ID} (pipeline churn, version 3, trigger manual)\nfollow it: ct watch ${RUN_JOB_ID}`,
    );
  });

  it.each([
    [429, 'rate_limited', 'team acme has 2 of 2 jobs queued or running'],
    [409, 'conflict', 'pipeline churn is disabled'],
  ] as const)('run refused with %i: the code and message, exit 3', async (status, code, message) => {
    const sut = await ct(
      { startPipelineRun: () => ({ status, body: { code, message } }) },
      ...['pipelines', 'run', 'churn'],
    );
    expect(sut.code).toBe(3);
    expect(sut.out).toBe('');
    expect(sut.err).toBe(`ct: ${status} ${code}: ${message}`);
  });

  it('wait: a pipeline without a run yet says so and exits 1, asking nothing more', async () => {
    const sut = await ct(
      { getPipeline: () => ({ status: 200, body: pipelineFixture({ lastRun: null }) }) },
      ...['pipelines', 'wait', 'churn'],
    );
    expect(sut.code).toBe(1);
    expect(sut.err).toBe('pipeline churn has no run yet');
    expect(sut.requests.map((r) => r.route)).toEqual(['getPipeline']);
  });

  it('versions and triggers', async () => {
    const version = {
      version: 1,
      hash: 'cd'.repeat(32),
      createdBy: 'key-1',
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const versions = await ct(
      {
        listPipelineVersions: () => ({
          status: 200,
          body: { items: [{ ...version, spec: pipelineFixture().spec }] },
        }),
      },
      ...['pipelines', 'versions', 'churn'],
    );
    expect(versions.out).toBe(
      [
        'VERSION  HASH          CREATED               BY',
        '1        cdcdcdcdcdcd  2026-01-01T00:00:00Z  key-1',
      ].join('\n'),
    );

    const triggers = await ct(
      {
        listPipelineTriggers: () => ({ status: 200, body: { items: [triggerFixture()], nextCursor: 'c9' } }),
      },
      ...['pipelines', 'triggers', 'churn', '--limit', '1'],
    );
    expect(triggers.requests[0]?.query).toEqual({ limit: '1' });
    expect(triggers.out).toMatch(/^FIRED {17}KIND {6}OUTCOME/);
    expect(triggers.out).toMatch(/^more: ct pipelines triggers churn --cursor c9$/m);
  });

  it('arrivals: the body as given; the rows counted and the trigger it fired', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const trigger = triggerFixture({
      kind: 'new_data',
      figures: { rowsSinceLastRun: 1100, minNewRows: 1000 },
    });
    const sut = await ct(
      {
        recordDataArrival: ({ body }) => ({
          status: 202,
          body: {
            rows: (body as { rows: number }).rows,
            at,
            newData: { minNewRows: 1000, rowsSinceLastRun: 1100, highWaterMark: null, pollSeconds: null },
            trigger,
          },
        }),
      },
      ...['pipelines', 'arrivals', 'churn', '--rows', '700', '--source', 'orders', '--at', at],
    );
    expect(sut.code).toBe(0);
    expect(sut.requests[0]?.body).toEqual({ rows: 700, source: 'orders', at });
    expect(sut.out.split('\n')).toEqual([
      `recorded 700 row(s) at ${at.replace(/\.\d{3}Z$/, 'Z')}`,
      '1100/1000 rows since the last run',
      `the new_data trigger fired: started job ${RUN_JOB_ID}`,
    ]);
  });

  it.each([
    [['pipelines', 'arrivals', 'churn'], /^ct: usage: ct pipelines arrivals <name\|id> --rows <n>/],
    [['pipelines', 'arrivals', 'churn', '--rows', '0'], /^ct: --rows must be a whole number of at least 1/],
    [['pipelines', 'create'], /^ct: usage: ct pipelines create -f <spec.json>/],
    [['pipelines'], /^ct: ct pipelines takes one of: create, list, show, update/],
    [['pipelines', 'show'], /^ct: usage: ct pipelines show <name\|id>/],
  ])('bad usage %p: exit 2 and no request', async (argv, message) => {
    const sut = await ct({}, ...argv);
    expect(sut.code).toBe(2);
    expect(sut.requests).toEqual([]);
    expect(sut.err).toMatch(message);
  });
});

/** A pipeline as it travels in JSON, with its next run whatever the clock said. */
function livePipelineShape() {
  const { nextRunAt: _, ...rest } = JSON.parse(JSON.stringify(pipelineFixture()));
  return { ...rest, nextRunAt: expect.any(String) };
}

import { childEnv } from './child-env.js';

describe('childEnv', () => {
  it('holds exactly the variables of the contract; thread settings cannot override them', () => {
    const sut = childEnv({
      workDir: '/tmp/ct-worker/job-1',
      jobId: 'job-1',
      dataRoot: '/srv/data',
      mlflowTrackingUri: 'http://mlflow:5000',
      mlflowRunId: 'run-1',
      threadEnv: { OMP_NUM_THREADS: '2', PATH: '/evil' },
    });
    expect(sut).toEqual({
      OMP_NUM_THREADS: '2',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/tmp/ct-worker/job-1',
      LANG: 'C.UTF-8',
      PYTHONUNBUFFERED: '1',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
      MLFLOW_TRACKING_URI: 'http://mlflow:5000',
      MLFLOW_RUN_ID: 'run-1',
      CT_EVENTS_FD: '3',
      CT_JOB_ID: 'job-1',
      CT_DATA_ROOT: '/srv/data',
    });
  });
});

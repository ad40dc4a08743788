import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callMlflow, MlflowUnreachableError, tagRecord } from './mlflow-rest.js';

describe('callMlflow (a local HTTP server standing in for MLflow)', () => {
  let server: Server;
  let uri: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const answers: Record<string, [number, string]> = {
        '/api/2.0/mlflow/ok': [200, '{"run":{"id":"r1"}}'],
        '/api/2.0/mlflow/empty': [200, ''],
        '/api/2.0/mlflow/missing': [404, '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}'],
        '/api/2.0/mlflow/broken': [200, '<html>'],
      };
      const [status, body] = answers[req.url ?? ''] ?? [500, 'boom'];
      res.writeHead(status).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['ok', { ok: true, json: { run: { id: 'r1' } } }],
    ['empty', { ok: true, json: {} }],
    ['missing', { ok: false, status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' }],
    ['other', { ok: false, status: 500, errorCode: undefined, text: 'boom' }],
  ])('answers %s', async (path, expected) => {
    expect(await callMlflow(uri, 'GET', path)).toMatchObject(expected);
  });

  it('refuses a success that is not JSON', async () => {
    await expect(callMlflow(uri, 'GET', 'broken')).rejects.toThrow(
      new MlflowUnreachableError('MLflow broken answered with invalid JSON'),
    );
  });

  it('names the cause when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(callMlflow(`http://127.0.0.1:${port}`, 'POST', 'runs/create', {})).rejects.toThrow(
      /^MLflow runs\/create failed: fetch failed \(.*ECONNREFUSED.*\)$/,
    );
  });
});

describe('tagRecord', () => {
  it('turns MLflow tag lists into records', () => {
    expect(tagRecord([{ key: 'ct.job_id', value: 'j1' }])).toEqual({ 'ct.job_id': 'j1' });
    expect(tagRecord(undefined)).toEqual({});
  });
});

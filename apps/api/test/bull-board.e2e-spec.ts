import type { AddressInfo } from 'node:net';
import { QueueName } from '@ct/shared';
import { type Browser, chromium } from 'playwright-core';
import { QueueMonitor } from '../src/queues/queue-monitor.js';
import { bearer, startTestApi, type TestApi } from './harness.js';

const BOARD = '/admin/queues';

function basic(password: string): { Authorization: string } {
  return { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` };
}

describe('Bull Board at /admin/queues (real Redis and Postgres)', () => {
  let api: TestApi;
  let viewer: string;
  let submitter: string;

  beforeAll(async () => {
    api = await startTestApi();
    viewer = await api.key('team-a', 'viewer');
    submitter = await api.key('team-a', 'submitter');
  });

  afterAll(async () => {
    await api.close();
  });

  it('asks for credentials with a Basic challenge, and refuses keys that are not admin keys', async () => {
    const anonymous = await api.http().get(BOARD).expect(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="ct"/);
    expect(anonymous.body).toMatchObject({ code: 'unauthenticated' });
    await api.http().get(BOARD).set(basic('not-a-key')).expect(401);
    await api.http().get(`${BOARD}/api/queues`).set(bearer(viewer)).expect(403);
    const basicViewer = await api.http().get(BOARD).set(basic(viewer)).expect(403);
    expect(basicViewer.body).toMatchObject({ code: 'forbidden' });
  });

  it('serves the board and its API to an admin key, as Bearer or as the Basic password', async () => {
    const page = await api.http().get(BOARD).set(basic(api.adminKey)).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const job = await api.submit(submitter);
    const res = await api
      .http()
      .get(`${BOARD}/api/queues?activeQueue=${QueueName.Training}&status=prioritized`)
      .set(bearer(api.adminKey))
      .expect(200);
    const queue = res.body.queues.find((q: { name: string }) => q.name === QueueName.Training);
    expect(queue.jobs.map((j: { id: string }) => j.id)).toContain(job.id);
  });

  it("keeps the board's own mutating actions working past the API's JSON-only body rule", async () => {
    const monitor = api.app.get(QueueMonitor);
    await api
      .http()
      .put(`${BOARD}/api/queues/${QueueName.Training}/pause`)
      .set(bearer(api.adminKey))
      .expect(200);
    expect(await monitor.isPaused(QueueName.Training)).toBe(true);
    await api
      .http()
      .put(`${BOARD}/api/queues/${QueueName.Training}/resume`)
      .set(bearer(api.adminKey))
      .set('Content-Type', 'application/json')
      .send({})
      .expect(200);
    expect(await monitor.isPaused(QueueName.Training)).toBe(false);
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      await api.app.listen(0, '127.0.0.1');
      const { port } = api.app.getHttpServer().address() as AddressInfo;
      base = `http://127.0.0.1:${port}`;
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox'],
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('shows a job that was just submitted to a person who logs in with the admin key', async () => {
      const job = await api.submit(submitter);
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: api.adminKey },
      });
      try {
        const page = await context.newPage();
        const response = await page.goto(`${base}${BOARD}/queue/${QueueName.Training}?status=prioritized`);
        expect(response?.status()).toBe(200);
        await page.getByText(job.id).first().waitFor({ timeout: 20_000 });
        if (process.env.CT_BOARD_SCREENSHOT) await page.screenshot({ path: process.env.CT_BOARD_SCREENSHOT });
      } finally {
        await context.close();
      }
    }, 60_000);

    it('is refused without the key', async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        // Chromium answers a Basic challenge it has no credentials for by failing the navigation.
        await expect(page.goto(`${base}${BOARD}`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
        const response = await page.request.get(`${base}${BOARD}`);
        expect(response.status()).toBe(401);
        expect(response.headers()['www-authenticate']).toMatch(/^Basic/);
      } finally {
        await context.close();
      }
    }, 60_000);
  });
});

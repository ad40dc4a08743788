import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditConfig, RecordingTransport, range, waitFor } from '../../test/audit-kit.js';
import { backoffDelay, createAuditLog, memoryAuditLog } from './audit-log.js';
import { AuditDeliveryError } from './audit-transport.js';

describe('createAuditLog', () => {
  let dir: string;
  const alarms: string[] = [];
  const open = (transport: RecordingTransport, overrides = {}, owner = {}, spoolLease = {}) =>
    createAuditLog(auditConfig(dir, overrides), {
      source: 'worker',
      transport,
      alarm: (message) => alarms.push(message),
      owner,
      spoolLease,
    });
  const spoolFiles = async () =>
    (await readdir(join(dir, 'spool'))).filter((name) => name.endsWith('.jsonl'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ct-audit-'));
    alarms.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('maps the severities to IRIS levels 0, 1 and 2', async () => {
    const transport = new RecordingTransport();
    const sut = open(transport);
    sut.info('job.started', { jobId: 'j1' });
    sut.warning('data.validation.warning');
    sut.severe('job.failed');
    await sut.close();
    expect(transport.batches.flat().map((entry) => [entry.level, JSON.parse(entry.message).event])).toEqual([
      [0, 'job.started'],
      [1, 'data.validation.warning'],
      [2, 'job.failed'],
    ]);
    expect(JSON.parse(transport.batches.flat()[0]?.message ?? '')).toMatchObject({ source: 'worker' });
  });

  it('delivers in order, in batches of at most AUDIT_BATCH_SIZE, without waiting for the caller', async () => {
    const transport = new RecordingTransport();
    const sut = open(transport, { batchSize: 100 });
    for (const seq of range(250)) sut.info('job.progress', { seq });
    expect(transport.batches).toHaveLength(0);
    await sut.flush();
    expect(transport.seqs()).toEqual(range(250));
    expect(Math.max(...transport.batches.map((batch) => batch.length))).toBeLessThanOrEqual(100);
    expect(sut.stats()).toMatchObject({ buffered: 0, sent: 250, spooled: 0, dropped: 0 });
    await sut.close();
  });

  it.each([
    [1, 20],
    [2, 40],
    [3, 80],
    [4, 160],
    [5, 200],
    [12, 200],
  ])('waits, before retry %i, base doubled and capped: %i ms', (failures, expected) => {
    expect(backoffDelay(failures, 20, 200)).toBe(expected);
  });

  it('retries a failing transport on that schedule', async () => {
    const transport = new RecordingTransport();
    transport.failures = 4;
    const sut = open(transport, { retryBaseMs: 40, retryMaxMs: 100 });
    sut.info('job.started', { seq: 0 });
    await waitFor(() => transport.batches.length === 1);
    const gaps = transport.attempts.slice(1).map((time, i) => time - (transport.attempts[i] ?? 0));
    expect(gaps).toHaveLength(4);
    [40, 80, 100, 100].forEach((expected, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 5);
      expect(gaps[i]).toBeLessThan(expected + 150);
    });
    expect(transport.seqs()).toEqual([0]);
    await sut.close();
  });

  it('spools while the transport fails, then replays in order before newer events, none lost or twice', async () => {
    const transport = new RecordingTransport();
    transport.up = false;
    const sut = open(transport, { batchSize: 50 });
    for (const seq of range(500)) sut.info('job.progress', { seq });
    await sut.flush();
    expect(sut.stats()).toMatchObject({ buffered: 0, sent: 0, spooled: 500, dropped: 0 });
    expect(await spoolFiles()).toHaveLength(1);
    expect(alarms.some((alarm) => alarm.includes('transport recording failed'))).toBe(true);
    transport.up = true;
    for (const seq of range(100).map((i) => 500 + i)) sut.info('job.progress', { seq });
    await waitFor(() => sut.stats().sent === 600);
    expect(transport.seqs()).toEqual(range(600));
    expect(sut.stats()).toMatchObject({ replayed: 600, dropped: 0, spoolBytes: 0 });
    await sut.close();
    expect(await spoolFiles()).toHaveLength(0);
  });

  it('does not send twice what a failed batch delivered before failing', async () => {
    const transport = new RecordingTransport();
    transport.failWith = (batch) => {
      transport.batches.push(batch.slice(0, 3));
      return new AuditDeliveryError('broke after 3', 3);
    };
    const sut = open(transport, { batchSize: 10 });
    for (const seq of range(10)) sut.info('job.progress', { seq });
    await waitFor(() => sut.stats().sent === 10);
    expect(transport.seqs()).toEqual(range(10));
    await sut.close();
  });

  it('flushes on close, and counts as dropped what is logged after close', async () => {
    const transport = new RecordingTransport();
    const sut = open(transport);
    for (const seq of range(10)) sut.info('job.progress', { seq });
    await sut.close();
    expect(transport.seqs()).toEqual(range(10));
    sut.info('job.progress', { seq: 10 });
    expect(sut.stats().dropped).toBe(1);
    expect(alarms.some((alarm) => alarm.includes('after close()'))).toBe(true);
  });

  it('drops only when the buffer is full and the spool cannot be written, and says so once', async () => {
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, '');
    const transport = new RecordingTransport();
    transport.up = false;
    const sut = open(transport, {
      spoolDir: join(notADirectory, 'spool'),
      bufferMax: 10,
      batchSize: 5,
      retryBaseMs: 1000,
      retryMaxMs: 1000,
    });
    for (const seq of range(10)) sut.info('job.progress', { seq });
    await sut.flush();
    expect(sut.stats()).toMatchObject({ buffered: 10, dropped: 0 });
    for (const seq of range(30)) sut.info('job.progress', { seq: 10 + seq });
    expect(sut.stats()).toMatchObject({ buffered: 10, dropped: 30 });
    expect(alarms.filter((alarm) => alarm.includes('events dropped'))).toHaveLength(1);
    expect(alarms.find((alarm) => alarm.includes('events dropped'))).toContain('dropped=1)');
    transport.up = true;
    await waitFor(() => sut.stats().sent === 10);
    expect(transport.seqs()).toEqual(range(10));
    await sut.close();
  });

  it("adopts the spool of a dead process of this host, not a live one's", async () => {
    const down = new RecordingTransport();
    down.up = false;
    const dead = open(down, {}, { pid: 2 ** 22 + 12_345 });
    const live = open(down, {}, { pid: process.ppid });
    for (const seq of range(5)) dead.info('job.progress', { seq });
    live.info('job.progress', { seq: 99 });
    await Promise.all([dead.close(), live.flush()]);
    expect(await spoolFiles()).toHaveLength(2);
    const transport = new RecordingTransport();
    const sut = open(transport);
    sut.info('job.progress', { seq: 5 });
    await waitFor(() => sut.stats().sent === 6);
    expect(transport.seqs()).toEqual(range(6));
    expect(await spoolFiles()).toHaveLength(1);
    await Promise.all([sut.close(), live.close()]);
  });

  it('never adopts the spool of another audit log of this process while it is open, whatever owner it has', async () => {
    const down = new RecordingTransport();
    down.up = false;
    const first = open(down, {}, { pid: 2 ** 22 + 12_345 });
    first.info('job.progress', { seq: 0 });
    await first.flush();
    const transport = new RecordingTransport();
    const second = open(transport);
    second.info('job.progress', { seq: 1 });
    await second.flush();
    expect(transport.seqs()).toEqual([1]);
    await first.close();
    await second.close();
  });

  it("adopts, while it runs, another host's spool once that host's lease is stale or gone, never a live one's", async () => {
    const lease = { renewMs: 25, staleMs: 2_000 };
    const down = new RecordingTransport();
    down.up = false;
    // A replaced container: its files and a lease it no longer renews (it was killed, so nothing removed it).
    const gone = open(down, {}, { host: 'worker-old' }, lease);
    for (const seq of range(5)) gone.info('job.progress', { seq });
    await gone.close();
    const [goneFile] = await spoolFiles();
    const token = /^ct-spool\.\d+\.\d+\.([0-9a-z]+)\./.exec(goneFile ?? '')?.[1];
    await writeFile(join(dir, 'spool', `ct-lease.${token}.worker-old`), '');
    const transport = new RecordingTransport();
    const sut = open(transport, {}, { host: 'worker-new' }, lease);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sut.stats().sent).toBe(0);
    // No new event is needed: the lease goes stale and the next renewal adopts and replays the files.
    await waitFor(() => sut.stats().sent === 5);
    expect(transport.seqs()).toEqual(range(5));
    // A replica that keeps running on another host, with an event it cannot deliver yet.
    const live = open(down, {}, { host: 'worker-live' }, lease);
    live.info('job.progress', { seq: 5 });
    await live.flush();
    await new Promise((resolve) => setTimeout(resolve, lease.staleMs + 500));
    expect(sut.stats().sent).toBe(5);
    expect((await spoolFiles()).filter((name) => name.endsWith('.worker-live.jsonl'))).toHaveLength(1);
    // A clean close removes the lease: what the replica could not deliver is adopted at once.
    await live.close();
    await waitFor(() => sut.stats().sent === 6, 1_000);
    expect(transport.seqs()).toEqual(range(6));
    expect(await spoolFiles()).toEqual([]);
    await sut.close();
    // The stale lease went with the files it stood for; the clean closes removed their own.
    expect((await readdir(join(dir, 'spool'))).filter((name) => name.startsWith('ct-lease.'))).toEqual([]);
  });

  it('skips unreadable spool lines and still replays the rest', async () => {
    const down = new RecordingTransport();
    down.up = false;
    const first = open(down);
    for (const seq of range(3)) first.info('job.progress', { seq });
    await first.close();
    const [file] = await spoolFiles();
    await writeFile(join(dir, 'spool', file ?? ''), 'not json\n', { flag: 'a' });
    const transport = new RecordingTransport();
    const sut = open(transport);
    await waitFor(() => sut.stats().sent === 3 && sut.stats().spoolBytes === 0);
    expect(transport.seqs()).toEqual(range(3));
    expect(alarms.some((alarm) => alarm.includes('unreadable'))).toBe(true);
    await sut.close();
  });
});

describe('memoryAuditLog', () => {
  it('records what the real log would send', async () => {
    const sut = memoryAuditLog('api', () => new Date('2026-05-01T00:00:00Z'));
    sut.warning('auth.failed', { reason: 'unknown key' });
    expect(sut.events).toEqual([
      {
        event: 'auth.failed',
        severity: 'warning',
        level: 1,
        fields: { reason: 'unknown key' },
        source: 'api',
        at: '2026-05-01T00:00:00.000Z',
        message:
          '{"event":"auth.failed","reason":"unknown key","source":"api","at":"2026-05-01T00:00:00.000Z"}',
      },
    ]);
    await sut.close();
    sut.info('job.started');
    expect(sut.stats()).toMatchObject({ sent: 1, dropped: 1 });
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAuditTransport, irislogdTime } from './file-transport.js';

describe('FileAuditTransport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ct-audit-file-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("appends lines in the shape of IRIS's structured log (irislogd JSON), creating the folder", async () => {
    const file = join(dir, 'nested', 'ct-audit.jsonl');
    const sut = new FileAuditTransport(file);
    const entries = [
      { level: 0, at: '2026-05-01T10:00:00.123Z', message: '{"event":"job.started"}' },
      { level: 1, at: '2026-05-01T10:00:01.000Z', message: '{"event":"data.validation.warning"}' },
      { level: 2, at: '2026-05-01T10:00:02.000Z', message: '{"event":"job.failed"}' },
    ] as const;
    await sut.deliver(entries.slice(0, 2));
    await sut.deliver(entries.slice(2));
    const lines = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => Object.keys(line))).toEqual(
      Array(3).fill(['when', 'pid', 'level', 'event', 'text']),
    );
    expect(lines.map((line) => [line.level, line.event, line.text])).toEqual([
      ['INFO', 'Utility.Event', entries[0].message],
      ['WARNING', 'Utility.Event', entries[1].message],
      ['SEVERE', 'Utility.Event', entries[2].message],
    ]);
    expect(lines[0].pid).toBe(String(process.pid));
    expect(lines[0].when).toBe(irislogdTime(new Date(entries[0].at)));
    expect(lines[0].when).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
  });

  it('rejects when the file cannot be written', async () => {
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, '');
    const sut = new FileAuditTransport(join(notADirectory, 'audit.jsonl'));
    await expect(sut.deliver([{ level: 0, at: new Date().toISOString(), message: '{}' }])).rejects.toThrow();
  });
});

import { EventLineParser, type ParsedLine } from './event-line-parser.js';

const envelope = { v: 1, ts: '2026-01-31T12:00:00.123Z' };
const started = { ...envelope, seq: 1, type: 'step.started', step: 'extraction' };
const metric = { ...envelope, seq: 2, type: 'metric', key: 'rmse', value: 0.42, step: 3 };
const line = (event: object) => `${JSON.stringify(event)}\n`;

function parseAll(chunks: (string | Buffer)[]): ParsedLine[] {
  const sut = new EventLineParser(256);
  const lines = chunks.flatMap((chunk) => sut.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
  return [...lines, ...sut.end()];
}

const events = (lines: ParsedLine[]) => lines.map((l) => (l.ok ? l.event : l.problem));

describe('EventLineParser', () => {
  it('parses several events in one chunk', () => {
    expect(events(parseAll([line(started) + line(metric)]))).toEqual([started, metric]);
  });

  it('joins a line split across chunks at any byte', () => {
    const text = line(started) + line(metric);
    for (let cut = 1; cut < text.length; cut += 7) {
      expect(events(parseAll([text.slice(0, cut), text.slice(cut)]))).toEqual([started, metric]);
    }
  });

  it('keeps a multi-byte character split between chunks whole', () => {
    const log = { ...envelope, seq: 3, type: 'log', level: 'info', message: 'naïve – ✓' };
    const bytes = Buffer.from(line(log));
    const cut = bytes.indexOf(Buffer.from('✓')) + 1;
    expect(events(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]))).toEqual([log]);
  });

  it('parses a validation finding with its columns and figures', () => {
    const finding = {
      ...envelope,
      seq: 4,
      type: 'validation.finding',
      rule: 'min_rows',
      severity: 'error',
      message: '3 rows, fewer than the 20 required',
      columns: [],
      figures: { rows: 3, min_rows: 20 },
    };
    expect(events(parseAll([line(finding)]))).toEqual([finding]);
  });

  it('parses a last line that has no newline, and skips blank lines', () => {
    expect(events(parseAll(['\n\n', JSON.stringify(started)]))).toEqual([started]);
  });

  it.each([
    ['not JSON', '{"v":1,', 'event line is not JSON'],
    ['an array', '[1,2]', 'invalid event'],
    ['an unknown type', JSON.stringify({ ...started, type: 'step.skipped' }), 'invalid event'],
    ['an unknown step', JSON.stringify({ ...started, step: 'deploy' }), 'step'],
    ['an unknown field', JSON.stringify({ ...started, extra: 1 }), 'invalid event'],
    ['another protocol version', JSON.stringify({ ...started, v: 2 }), 'v:'],
    ['a protocol version as text', JSON.stringify({ ...started, v: '1' }), '(v: '],
    [
      'NaN',
      '{"v":1,"ts":"2026-01-31T12:00:00.123Z","seq":2,"type":"metric","key":"r","value":NaN}',
      'not JSON',
    ],
    ['a number too large for a double', line(metric).trim().replace('0.42', '1e999'), '(value: '],
    ['a metric value given as text', JSON.stringify({ ...metric, value: '0.42' }), '(value: '],
    ['a missing required field', JSON.stringify({ ...metric, key: undefined }), '(key: '],
    ['a missing seq', JSON.stringify({ ...started, seq: undefined }), '(seq: '],
    ['a seq of 0', JSON.stringify({ ...started, seq: 0 }), '(seq: '],
    ['a type that is not text', JSON.stringify({ ...started, type: 1 }), 'invalid event'],
    [
      'an unknown log level',
      JSON.stringify({ ...envelope, seq: 1, type: 'log', level: 'loud', message: 'x' }),
      '(level: ',
    ],
    ['a time with an offset', JSON.stringify({ ...started, ts: '2026-01-31T12:00:00.123+01:00' }), '(ts: '],
    ['a time with microseconds', JSON.stringify({ ...started, ts: '2026-01-31T12:00:00.123456Z' }), '(ts: '],
    ['a time with a lower-case z', JSON.stringify({ ...started, ts: '2026-01-31T12:00:00.123z' }), '(ts: '],
    [
      'a fraction above 1',
      JSON.stringify({ ...envelope, seq: 1, type: 'progress', step: 'training', fraction: 2 }),
      'fraction',
    ],
    [
      'a finding of an unknown severity',
      JSON.stringify({
        ...envelope,
        seq: 1,
        type: 'validation.finding',
        rule: 'min_rows',
        severity: 'info',
        message: 'x',
        columns: [],
        figures: {},
      }),
      'severity',
    ],
    [
      'a result that is not an object',
      JSON.stringify({ ...envelope, seq: 1, type: 'result', payload: [] }),
      'payload',
    ],
  ])('reports %s as a problem and goes on', (_, bad, problem) => {
    const sut = parseAll([`${bad}\n`, line(metric)]);
    expect(sut).toHaveLength(2);
    expect(sut[0]).toEqual({ ok: false, problem: expect.stringContaining(problem) });
    expect(sut[1]).toEqual({ ok: true, event: metric });
  });

  it('drops a line longer than its limit, then parses the next one', () => {
    const sut = parseAll(['x'.repeat(200), 'y'.repeat(200), '\n', line(metric)]);
    expect(events(sut)).toEqual(['event line longer than 256 bytes dropped', metric]);
  });

  it('shortens the quoted line in a problem', () => {
    const [sut] = new EventLineParser().push(Buffer.from(`${'z'.repeat(5000)}\n`));
    expect(sut?.ok === false && sut.problem.length).toBeLessThan(300);
  });
});

import { AUDIT_MESSAGE_MAX_CHARS, formatAuditMessage, INVALID_EVENT } from './audit-message.js';

const at = '2026-05-01T10:00:00.000Z';
const format = (event: unknown, fields?: unknown, max?: number) =>
  formatAuditMessage({ event, fields, source: 'api', at }, max);

function isLineBreakingOrControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

describe('formatAuditMessage', () => {
  it('writes one line of JSON: event first, then the fields in order, source and at', () => {
    const sut = format('job.submitted', {
      jobId: 'j1',
      attempt: 2,
      ok: true,
      reason: null,
      skipped: undefined,
    });
    expect(sut.message).toBe(
      '{"event":"job.submitted","jobId":"j1","attempt":2,"ok":true,"reason":null,"source":"api","at":"2026-05-01T10:00:00.000Z"}',
    );
    expect(Object.keys(JSON.parse(sut.message))).toEqual([
      'event',
      'jobId',
      'attempt',
      'ok',
      'reason',
      'source',
      'at',
    ]);
  });

  it.each([
    ['a newline', 'a\nb'],
    ['a carriage return and tab', 'a\r\tb'],
    ['NUL and ESC', 'a\u0000\u001bb'],
    ['DEL and C1 controls', 'a\u007f\u0085\u009bb'],
    ['the JS line and paragraph separators', 'a\u2028b\u2029c'],
  ])('escapes %s, so the console line stays one line', (_, text) => {
    const sut = format('job.failed', { reason: text });
    expect([...sut.message].filter(isLineBreakingOrControl)).toEqual([]);
    expect(JSON.parse(sut.message).reason).toBe(text);
  });

  it('cuts an over-long field with a marker and keeps valid JSON within the bound', () => {
    const long = 'x'.repeat(10_000);
    const sut = format('job.failed', { jobId: 'j1', reason: long });
    expect(sut.message.length).toBeLessThanOrEqual(AUDIT_MESSAGE_MAX_CHARS);
    const parsed = JSON.parse(sut.message);
    const match = /^(x*)…\[truncated (\d+) chars\]$/.exec(parsed.reason);
    expect(match).not.toBeNull();
    expect((match?.[1] ?? '').length + Number(match?.[2])).toBe(long.length);
    expect(parsed).toMatchObject({ event: 'job.failed', jobId: 'j1', source: 'api', at });
  });

  it('counts escaped characters against the bound', () => {
    const sut = format('job.failed', { reason: '\n'.repeat(5000) }, 1000);
    expect(sut.message.length).toBeLessThanOrEqual(1000);
    expect(JSON.parse(sut.message).reason).toMatch(/…\[truncated \d+ chars\]$/);
  });

  it('never splits a surrogate pair when cutting', () => {
    const sut = format('job.failed', { reason: '😀'.repeat(3000) }, 500);
    const reason: string = JSON.parse(sut.message).reason;
    expect(reason.replace(/…\[truncated \d+ chars\]$/, '')).toMatch(/^(😀)*$/u);
  });

  it('keeps the event when even the field names do not fit', () => {
    const fields = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`field${i}`, i]));
    const sut = format('model.promoted', fields, 300);
    expect(sut.message.length).toBeLessThanOrEqual(300);
    expect(JSON.parse(sut.message)).toEqual({
      event: 'model.promoted',
      truncated: expect.stringMatching(/^…\[truncated \d+ chars\]$/),
      source: 'api',
      at,
    });
  });

  it.each([
    ['job.submitted', 'job.submitted'],
    ['pipeline.step.started', 'pipeline.step.started'],
    ['data.validation_warning', 'data.validation_warning'],
    ['Job.Submitted', INVALID_EVENT],
    ['job', INVALID_EVENT],
    ['job..submitted', INVALID_EVENT],
    ['job.submitted ', INVALID_EVENT],
    ['', INVALID_EVENT],
    [`a.${'b'.repeat(200)}`, INVALID_EVENT],
  ])('logs the event name %j as %s', (event, expected) => {
    const sut = format(event, { jobId: 'j1' });
    expect(sut.event).toBe(expected);
    const parsed = JSON.parse(sut.message);
    expect(parsed.event).toBe(expected);
    if (expected === INVALID_EVENT) expect(parsed.invalid_event).toBe(event);
  });

  it('never throws on values untyped code may pass', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const sut = format(42, { n: Number.NaN, big: 10n, list: [1, 2], cyclic, fn: () => 1 });
    const parsed = JSON.parse(sut.message);
    expect(parsed).toMatchObject({
      event: INVALID_EVENT,
      invalid_event: 42,
      n: 'NaN',
      big: '10',
      list: '[1,2]',
    });
    expect(typeof parsed.cyclic).toBe('string');
  });

  it('keeps fields named like the envelope under a prefixed name', () => {
    const parsed = JSON.parse(format('key.created', { event: 'x', source: 'y', at: 'z' }).message);
    expect(parsed).toEqual({ event: 'key.created', _event: 'x', _source: 'y', _at: 'z', source: 'api', at });
  });
});
